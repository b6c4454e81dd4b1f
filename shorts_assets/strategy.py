"""What to make next: a Thompson-sampling bandit per attribute, learned from the channel's numbers.

Each attribute (category, hook style, length, music, language, and the posting hour and weekday on
the channel's clock) is its own bandit: every value is an arm with a Normal posterior over its
mean reward. Proposals draw once from every posterior and take the winner, so uncertain values
get tried in proportion to their chance of being best (explore) while known good ones are made
most of the time (exploit). The hours `auto` publishing slots use are drawn the same way.
Pure numpy, no Dagster: the `content_strategy` asset only wraps these functions; `proposals`
draws from what they learn.

The model is a Normal with known variance and a conjugate Normal prior on each arm's mean,
empirical Bayes: the prior is centred on the mean reward of all items and is worth one item,
and the noise sd is the residual sd of an additive fit (the sd of all rewards until there are
enough items for that). Each arm is fitted on rewards net of the other attributes' effects, so
a value is not credited with the success of the values it was made with. Why not a
Normal-Inverse-Gamma per arm: a channel has a handful of items per value, too few to estimate
a variance per arm, and a weak NIG prior then gives heavy Student-t tails that keep exploring
long after the data has spoken. One shared noise sd is what few data support, and it makes an
arm's uncertainty shrink as sd / sqrt(1 + n), simple to explain.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .languages import DEFAULT, LANGUAGES, language
from .media.caption_presets import PRESETS
from .models import ArmStats, AttributeBelief, ContentStrategy, HookStyle
from .pacing import TARGET_SECONDS
from .posting_time import HOURS, POSTING_ATTRIBUTES, POSTING_HOUR, POSTING_WEEKDAY, WEEKDAYS
from .rows import MUSIC_CHOICES

CAPTION_ATTRIBUTE = "caption_style"  # the caption preset a video was rendered with
ATTRIBUTES = ("category", "hook_style", "length", "music", "language",  # voice, footage, writer: fixed by config
              *POSTING_ATTRIBUTES, CAPTION_ATTRIBUTE)  # last: the content attributes' draws stay as they were
NOT_WRITTEN = (*POSTING_ATTRIBUTES, CAPTION_ATTRIBUTE)  # chosen after the script, not by its writer
BANK_PATH = Path(__file__).parent / "samples" / "topic_bank.json"
PRIOR_STRENGTH = 1.0  # the prior is worth one item: weak, so a value's own data win quickly
DEFAULT_SD = 1.0  # the noise sd before two different rewards have been seen
BACKFIT_SWEEPS = 10  # enough for the effects to settle on a channel's few attributes
CONFIDENT = 0.6  # p_best above which the hints call a value a winner
CLOSED_VALUES = {  # category and language are open: see known_values
    "hook_style": tuple(style.value for style in HookStyle),
    "length": tuple(TARGET_SECONDS),
    "music": tuple(sorted(MUSIC_CHOICES)),
    POSTING_HOUR: HOURS,
    POSTING_WEEKDAY: WEEKDAYS,
    CAPTION_ATTRIBUTE: tuple(PRESETS),
}
REWARD_TEXT = (
    "log(1 + views) x retention, where retention is the average view duration divided by the video's "
    "duration, capped at 1: reach counts, but only as far as people keep watching"
)


@functools.cache
def load_bank() -> dict[str, list[dict]]:
    """The shipped topic bank: category -> topics, each with a name and a few true facts."""
    return json.loads(BANK_PATH.read_text(encoding="utf-8"))


def reward(views: int, avg_view_duration_s: float, duration_s: float) -> float:
    """Views-weighted retention: log(1 + views) x min(avg view duration / duration, 1).

    Why: views are heavy-tailed, and one viral post would swamp a mean and break the Normal
    model, so they count on a log scale; retention (the share of the video people watch) is
    what platforms use to decide further reach and says whether the content held anyone,
    whatever its length. The product is low both for a post that nobody sees and for one that
    everybody skips. Retention is capped at 1 because replays can push the average view past
    the video's length. Bounded: 0 <= reward <= log(1 + views).
    """
    if views < 0 or avg_view_duration_s < 0:
        raise ValueError(f"views and view duration cannot be negative: {views}, {avg_view_duration_s}")
    if duration_s <= 0:
        raise ValueError(f"a video's duration must be positive, got {duration_s}")
    return math.log1p(views) * min(avg_view_duration_s / duration_s, 1.0)


@dataclass(frozen=True)
class Prior:
    """Where an arm starts: the mean reward of all items, worth `strength` items, and the noise sd."""

    mean: float
    sd: float
    strength: float = PRIOR_STRENGTH

    @classmethod
    def from_rewards(cls, rewards: list[float]) -> Prior:
        """Empirical Bayes: centred on all items, as wide as all items vary (1 when nothing varies yet)."""
        spread = float(np.std(rewards, ddof=1)) if len(rewards) > 1 else 0.0
        return cls(mean=float(np.mean(rewards)) if rewards else 0.0, sd=spread if spread > 0 else DEFAULT_SD)


def posterior(prior: Prior, total: float | np.ndarray, n: int | np.ndarray) -> tuple:
    """Mean and sd of an arm's mean reward after n rewards summing to total (conjugate Normal, known variance)."""
    weight = prior.strength + n
    return (prior.strength * prior.mean + total) / weight, prior.sd / np.sqrt(weight)


def p_best(means: np.ndarray, sds: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    """The share of joint posterior draws in which each arm is the highest: Thompson's own odds."""
    winners = np.argmax(rng.normal(means, sds, size=(draws, len(means))), axis=1)
    return np.bincount(winners, minlength=len(means)) / draws


def known_values(attribute: str, rows: list[dict]) -> tuple[str, ...]:
    """Every value the bandit knows: closed sets as fixed, categories from the bank plus any seen,
    languages the default plus any seen (an item from before languages were recorded says nothing)."""
    if attribute == "language":
        seen = {str(row.get("language")) for row in rows} & set(LANGUAGES) - {DEFAULT.code}
        return (DEFAULT.code, *sorted(seen))
    if attribute != "category":
        return CLOSED_VALUES[attribute]
    seen = sorted({str(row["category"]) for row in rows if row.get("category")} - set(load_bank()))
    return (*load_bank(), *seen)


def encode(rows: list[dict], values: tuple[str, ...], attribute: str) -> np.ndarray:
    """Each row's value as an index into values; -1 for a value outside the set (it says nothing)."""
    index = {value: i for i, value in enumerate(values)}
    return np.array([index.get(row.get(attribute), -1) for row in rows], dtype=int)


def arm_posteriors(prior: Prior, rewards: np.ndarray, codes: np.ndarray, arms: int) -> tuple:
    """Posterior mean and sd of every arm, and its n, from the rewards of the rows that have it."""
    known = codes >= 0
    n = np.bincount(codes[known], minlength=arms)
    total = np.bincount(codes[known], weights=rewards[known], minlength=arms)
    return (*posterior(prior, total, n), n)


def adjusted(rewards: np.ndarray, codes: dict[str, np.ndarray], prior: Prior, sizes: dict[str, int]) -> dict:
    """Per attribute, the rewards with the other attributes' effects taken out (backfitting an additive model).

    Why: choices are correlated. Once story hooks lead, most videos are story videos, and a
    category made mostly in that period would inherit their success; comparing categories on
    rewards net of hook, length and music keeps each bandit about its own attribute. Effects
    are shrunk like the arms themselves (prior worth one item), so thin values move little.
    """
    effects = {name: np.zeros(size + 1) for name, size in sizes.items()}  # last slot: unknown value, no effect

    def others(name: str) -> np.ndarray:
        return rewards - sum(effects[other][codes[other]] for other in codes if other != name)

    for _ in range(BACKFIT_SWEEPS):
        for name in codes:
            means = arm_posteriors(prior, others(name), codes[name], sizes[name])[0]
            effects[name] = np.append(means - prior.mean, 0.0)
    return {name: others(name) for name in codes}


def fitted_noise(prior: Prior, rewards: np.ndarray, codes: dict[str, np.ndarray], sizes: dict[str, int]) -> Prior:
    """The prior with the additive fit's residual sd as noise, once there are more items than effects to fit.

    The sd of all rewards also holds the differences between values, so it overstates the
    noise several times over and makes the bandits dither; what is left after the fit is the
    noise. Degrees of freedom are taken for every effect fitted, so a thin fit is not overconfident;
    a value no item has keeps the prior and fits nothing (hours never posted at cost no data).
    """
    effects = 1 + sum(max(len(np.unique(code[code >= 0])) - 1, 0) for code in codes.values())
    if len(rewards) <= effects + 2:
        return prior
    name = ATTRIBUTES[0]
    net = adjusted(rewards, codes, prior, sizes)[name]
    residual = net - np.append(arm_posteriors(prior, net, codes[name], sizes[name])[0], prior.mean)[codes[name]]
    sd = float(np.sqrt(residual @ residual / (len(rewards) - effects)))
    return replace(prior, sd=sd) if sd > 0 else prior


def belief(attribute: str, values: tuple[str, ...], arms: tuple, wins: np.ndarray) -> AttributeBelief:
    """The record of one bandit; best is by posterior mean, the value proposals count as exploiting."""
    means, sds, n = arms
    stats = [
        ArmStats(value=value, n=int(count), mean=float(m), sd=float(s), p_best=float(w))
        for value, m, s, count, w in zip(values, means, sds, n, wins, strict=True)
    ]
    return AttributeBelief(attribute=attribute, arms=stats, best=values[int(np.argmax(means))])


def hour_ranking(hours: AttributeBelief, rng: np.random.Generator) -> list[int]:
    """Every hour of the day, best first by one draw from each hour's posterior (Thompson's rule for
    several picks at once): the first is mostly the best hour and, while others are uncertain,
    sometimes one worth trying. `auto` slots take as many hours from the front as they publish a day."""
    draws = rng.normal([arm.mean for arm in hours.arms], [arm.sd for arm in hours.arms])
    return [int(hours.arms[index].value) for index in np.argsort(-draws, kind="stable")]


def learn(rows: list[dict], seed: int, draws: int = 2000) -> ContentStrategy:
    """Fit every attribute's bandit to rows of {attribute: value, ..., "reward": float}, and rank the posting hours."""
    rewards = np.array([float(row["reward"]) for row in rows], dtype=float)
    prior = Prior.from_rewards(list(rewards))
    values = {name: known_values(name, rows) for name in ATTRIBUTES}
    codes = {name: encode(rows, values[name], name) for name in ATTRIBUTES}
    sizes = {name: len(values[name]) for name in ATTRIBUTES}
    prior = fitted_noise(prior, rewards, codes, sizes)
    net = adjusted(rewards, codes, prior, sizes)
    rng = np.random.default_rng(seed)
    beliefs = []
    for name in ATTRIBUTES:
        arms = arm_posteriors(prior, net[name], codes[name], sizes[name])
        beliefs.append(belief(name, values[name], arms, p_best(arms[0], arms[1], rng, draws)))
    hours = hour_ranking(beliefs[ATTRIBUTES.index(POSTING_HOUR)], rng)
    return ContentStrategy(
        items=len(rows), reward=REWARD_TEXT, attributes=beliefs, hints=hints(beliefs, len(rows)), seed=seed,
        posting_hours=hours,
    )


def describe(attribute: str, value: str) -> str:
    """A value as the writer would say it: 'story hooks', '20-40s videos', 'no music'."""
    if attribute == "music":
        return "no music" if value == "none" else f"{value} music"
    if attribute == "language":
        return f"{language(value).name} videos"
    return f"{value} {({'category': 'topics', 'hook_style': 'hooks', 'length': 'videos'})[attribute]}"


def hints(beliefs: list[AttributeBelief], items: int) -> str:
    """One or two sentences for the writer: what wins so far, and what is still open."""
    if not items:
        return "No metrics yet, so every choice is a guess: try a spread of topics, hooks and lengths."
    sure, open_ = [], []
    compared = (belief for belief in beliefs  # one value: nothing to compare; the writer sets neither time nor look
                if len(belief.arms) > 1 and belief.attribute not in NOT_WRITTEN)
    for attribute in compared:
        ranked = sorted(attribute.arms, key=lambda arm: -arm.p_best)
        if ranked[0].p_best >= CONFIDENT:
            sure.append(describe(attribute.attribute, ranked[0].value))
        else:
            odds = ", ".join(f"{arm.value} {arm.p_best:.0%}" for arm in ranked[:2])
            open_.append(f"{attribute.attribute.replace('_', ' ')} ({odds})")
    said = [f"Viewers reward {', '.join(sure)} so far." if sure else "No value is a clear winner yet."]
    if open_:
        said.append(f"Still unsure about {'; '.join(open_)}.")
    return " ".join(said)


def hours_text(hours: list[int]) -> str:
    """Hours as a clock shows them: '19:00, 07:00'."""
    return ", ".join(f"{hour:02d}:00" for hour in hours) or "none yet"


def explain(strategy: ContentStrategy) -> str:
    """Markdown for the asset's metadata: a table per attribute, the hints, the comment themes."""
    lines = [
        f"**Learned from {strategy.items} items** (seed {strategy.seed}). Reward: {strategy.reward}.",
        "",
        f"**Hints:** {strategy.hints}",
        "",
        f"**Posting hours** for `auto` slots (channel time zone, best first): {hours_text(strategy.posting_hours)}",
    ]
    for attribute in strategy.attributes:
        lines += ["", f"### {attribute.attribute}", "", "| value | n | mean ± sd (net of the others) | p_best |"]
        lines.append("|---|---:|---|---:|")
        untried = [arm for arm in attribute.arms if arm.n == 0 and arm.value != attribute.best]
        for arm in sorted((arm for arm in attribute.arms if arm not in untried), key=lambda arm: -arm.mean):
            name = f"**{arm.value}**" if arm.value == attribute.best else arm.value
            lines.append(f"| {name} | {arm.n} | {arm.mean:.3f} ± {arm.sd:.3f} | {arm.p_best:.2f} |")
        if untried:  # all still the prior: one row, so 24 hours do not bury the few that were tried
            names, prior = ", ".join(arm.value for arm in untried), untried[0]
            lines.append(f"| untried: {names} | 0 | {prior.mean:.3f} ± {prior.sd:.3f} "
                         f"| {sum(arm.p_best for arm in untried):.2f} together |")
    if strategy.themes:
        lines += ["", "**Comment themes:** " + "; ".join(strategy.themes)]
    return "\n".join(lines)
