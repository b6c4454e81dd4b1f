"""What commenters talk about, offline: a keyword summary, and the sandbox's seeded comments.

The keyword summary is the fallback when no writer service is configured to summarise
comments; it must never fail on what people type (emoji, other scripts, nothing at all).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter

_STOPWORDS = """
a about after again all also am an and another any are as at be because been before being but by can
cant could did didnt do does doesnt doing don dont for from get got had has have having he her here him his how i
if im in into is isnt it its ive just like me more most my no not now of off on one only or other
our out over please really so some such than that thats the their them then there these they
this those to too up us very was wasnt we were what when where which who why will with wont would you your
youre lol omg wow video videos short shorts watch watched
"""
STOPWORDS = frozenset(_STOPWORDS.split())
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_WORD = 3  # shorter Latin words are mostly noise ("ok", "xd"); other scripts keep short words


def fold(word: str) -> str:
    """Simple English plural folding, so "bees" and "bee" count as one theme."""
    if not word.isascii() or len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def tokens(comment: str) -> list[str | None]:
    """Folded content words in order; None where a stopword or noise broke the phrase."""
    text = unicodedata.normalize("NFKC", comment).lower().replace("\u2019", "'")
    words = [re.sub(r"'s$", "", word) for word in WORD.findall(text)]
    return [
        None if word in STOPWORDS or word.replace("'", "") in STOPWORDS or (word.isascii() and len(word) < MIN_WORD)
        else fold(word)
        for word in words
    ]


def mentions(comments: list[str]) -> tuple[Counter[str], Counter[str]]:
    """How many comments mention each word and each adjacent pair of words (once per comment)."""
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for comment in comments:
        found = tokens(comment)
        words.update({word for word in found if word})
        pairs.update({f"{a} {b}" for a, b in zip(found, found[1:], strict=False) if a and b and a != b})
    return words, pairs


def keyword_themes(comments: list[str], top: int = 5) -> list[str]:
    """The `top` things most comments mention, e.g. "honey bee (3 comments)".

    A pair of words becomes a theme when at least two comments use it, and then replaces
    its words unless more comments mention them than the pair. With a handful of comments
    every word is a hint; from five on, a theme is something at least two people said.
    """
    words, pairs = mentions(comments)
    least = 2 if len(comments) >= 5 else 1
    themes = {pair: n for pair, n in pairs.items() if n >= 2}
    covered: Counter[str] = Counter()
    for pair, n in themes.items():
        for word in pair.split():
            covered[word] = max(covered[word], n)
    themes |= {word: n for word, n in words.items() if n > covered[word]}
    ranked = sorted(((n, phrase) for phrase, n in themes.items() if n >= least),
                    key=lambda item: (-item[0], -len(item[1].split()), item[1]))
    return [f"{phrase} ({n} comment{'' if n == 1 else 's'})" for n, phrase in ranked[:top]]


ABOUT_CATEGORY = (
    "I never knew this about {category}!",
    "More {category} facts please",
    "{category} shorts are my favourite",
    "Didn't expect {category} to be this interesting",
    "Can you do another one on {category}?",
)
ABOUT_HOOK = {
    "question": ("That opening question got me", "I tried to answer the question before the end"),
    "bold-claim": ("Is that claim really true? Source?", "Bold claim at the start but it checks out"),
    "number": ("Number three surprised me the most", "Love these numbered lists"),
    "story": ("Loved the story at the start", "What a story, tell us another one"),
}
ABOUT_MAKING = (
    "The narrator voice sounds a bit robotic",
    "Nice calm narrator voice",
    "The captions make it easy to follow",
    "Too short, I wanted more",
    "The background music is relaxing",
)
GENERIC = ("Great video!", "🔥🔥🔥", "Subscribed!", "First!", "Watched it three times 😂", "Très intéressant !",
           "すごい！", "Mind blown 🤯", "Sharing this with my class")


def simulated_comments(post_id: str, attributes: dict, count: int, seed: int) -> list[str]:
    """Seeded, plausible comments for the sandbox simulator, oldest first.

    The same post and seed always give the same comments, and asking for more only adds
    to the end, so a post's comments never change once "posted".
    """
    rng = random.Random(f"{seed}:{post_id}:comments")
    category = str(attributes.get("category") or "this topic")
    groups = [
        (tuple(text.format(category=category) for text in ABOUT_CATEGORY), 0.35),
        (ABOUT_HOOK.get(str(attributes.get("hook_style")), ()), 0.2),
        (ABOUT_MAKING, 0.15),
        (GENERIC, 0.3),
    ]
    texts, weights = zip(*[group for group in groups if group[0]], strict=True)
    return [rng.choice(rng.choices(texts, weights)[0]) for _ in range(max(count, 0))]
