"""Platforms publish a video and report how it does.

The offline platform is a SANDBOX CHANNEL: a local folder that receives the video, its
thumbnail and its post metadata, and a SIMULATED AUDIENCE that answers metrics requests.
The audience is a simulator, not data: it has hidden, seeded preferences over an item's
attributes (category, hook style, length, voice) and over when it is posted (a prime hour and
a prime weekday on the channel's clock) so that the analytics loop has something real to
learn, and its numbers grow with time since posting. Every post and snapshot it
makes is labelled `simulated`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from dagster import ConfigurableResource

from ..models import MetricsSnapshot, Post
from ..posting_time import HOURS, POSTING_HOUR, POSTING_WEEKDAY, WEEKDAYS, posting_time
from ..themes import simulated_comments

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Upload:
    """What every platform is given to publish one item."""

    item_id: str
    video: Path
    thumbnail: Path
    title: str
    description: str
    tags: list[str]
    attributes: dict[str, str]  # what the item is made of, for analytics
    duration_s: float
    publish_at: datetime | None = None  # when a platform that schedules ahead makes it public; None: at once


@dataclass
class Progress:
    """How far one upload got (a session URI, a publish id...), kept durably by `published_post`
    so that a retry after a crash continues the upload instead of posting a second time.
    A platform saves whatever it needs the moment the platform hands it out."""

    state: dict = field(default_factory=dict)
    sink: Callable[[dict], None] = lambda state: None

    def save(self, **values) -> None:
        self.state.update(values)
        self.sink(dict(self.state))


@dataclass(frozen=True)
class Allowance:
    """`limits` per bucket in a window; `per_post` is what one publish spends and `per_read` one
    post's metrics and comments. `zone` names the time zone whose calendar day is the window;
    None means a moving 24 hours."""

    platform: str
    limits: dict[str, int]
    per_post: dict[str, int]
    zone: str | None = None
    per_read: dict[str, int] = field(default_factory=dict)

    def window_start(self, now: datetime) -> datetime:
        if self.zone is None:
            return now - DAY
        local = now.astimezone(ZoneInfo(self.zone))
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    def reopens(self, now: datetime, spends: list[tuple[datetime, dict[str, int]]], bucket: str) -> datetime:
        """When `bucket` has room for one more post: the next local midnight, or when enough of the
        moving window's oldest spends have aged out."""
        if self.zone is not None:
            local = now.astimezone(ZoneInfo(self.zone))
            midnight = (local + DAY).replace(hour=0, minute=0, second=0, microsecond=0)
            return midnight.astimezone(UTC)
        used = sum(spend.get(bucket, 0) for _, spend in spends)
        for when, spend in sorted(spends, key=lambda s: s[0]):
            used -= spend.get(bucket, 0)
            if used + self.per_post.get(bucket, 1) <= self.limits[bucket]:
                return when + DAY
        return now + DAY


@runtime_checkable
class Platform(Protocol):
    """Where a short is published, measured and taken down."""

    name: str

    def publish(self, upload: Upload, progress: Progress | None = None) -> Post: ...

    def allowance(self) -> Allowance | None:
        """How much it lets one account post in a window, or None when it sets no limit."""
        ...

    def metrics(self, post: Post, now: datetime) -> MetricsSnapshot: ...

    def retract(self, post: Post) -> None: ...


def schedules_ahead(platform: Platform) -> bool:
    """Whether the platform takes an upload early and makes it public itself at `Upload.publish_at`
    (YouTube's publishAt); the others are posted when the time comes."""
    return getattr(platform, "SCHEDULES_AHEAD", False)


@runtime_checkable
class CommentReader(Protocol):
    """A platform whose API lists a post's comments (the newest first)."""

    def comments(self, post: Post, limit: int) -> list[str]: ...


def unit(seed: str) -> float:
    """A stable number in [0, 1) from a string: the simulator's hidden dice."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) / 16**12


# When the audience is online: (the values around the clock, how many steps from the prime value the liking
# bottoms out, the weight). With 2 steps the prime value gains, its neighbours are neutral and the rest lose;
# the weekday weighs half as much as the hour.
PRIME_TIMES = {POSTING_HOUR: (HOURS, 2, 1.0), POSTING_WEEKDAY: (WEEKDAYS, 2, 0.5)}


def closeness(index: int, prime: int, period: int, reach: int) -> float:
    """1 at the prime value, falling linearly to 0 at `reach` away around the clock (23:00 is next to 0:00)."""
    distance = min((index - prime) % period, (prime - index) % period)
    return max(0.0, 1 - distance / reach)


class SimulatedAudience:
    """Hidden preferences: each attribute value is liked or not, by a seeded amount.

    Posting times are not hashed per value: the audience has one prime hour and one prime
    weekday (seeded), and a post does best then, a little less next to them and worst
    elsewhere. A real audience is online at some hours more than others, and one clear
    favourite is what a learned posting hour can be checked against.

    The reach of a post is a log-normal draw scaled by how much the audience likes its
    attributes; views approach that reach with a half-life of hours after posting.
    """

    def __init__(self, seed: int):
        self.seed = seed

    def prime(self, attribute: str) -> str:
        """The value of a posting time the audience likes best: its prime hour or weekday."""
        values = PRIME_TIMES[attribute][0]
        return values[int(unit(f"{self.seed}:prime {attribute}") * len(values))]

    def liking(self, name: str, value: str) -> float:
        """How much one value adds to the appeal, in [-0.5, 0.5] (times its weight for a posting time)."""
        if name not in PRIME_TIMES:
            return unit(f"{self.seed}:{name}={value}") - 0.5
        values, reach, weight = PRIME_TIMES[name]
        if value not in values:
            return 0.0  # a time the post does not carry says nothing
        return weight * (closeness(values.index(value), values.index(self.prime(name)), len(values), reach) - 0.5)

    def appeal(self, attributes: dict[str, str]) -> float:
        score = sum(self.liking(name, value) for name, value in sorted(attributes.items()))
        return math.exp(1.6 * score)

    def snapshot(self, post_id: str, attributes: dict[str, str], duration_s: float, hours: float) -> dict:
        rng = random.Random(f"{self.seed}:{post_id}")
        appeal = self.appeal(attributes)
        reach = 800 * appeal * rng.lognormvariate(0, 0.6)
        views = int(reach * (1 - math.exp(-hours / 12)))
        retention = min(0.95, 0.35 + 0.25 * appeal / (1 + appeal) + 0.2 * (30 / max(duration_s, 15) - 0.5))
        return {
            "views": views,
            "likes": int(views * (0.02 + 0.05 * rng.random()) * min(appeal, 2)),
            "comments": int(views * 0.004 * rng.random() * min(appeal, 2)),
            "avg_view_duration_s": round(duration_s * max(retention, 0.05), 2),
        }


class SandboxChannel(ConfigurableResource):
    """A local channel folder plus a simulated audience. Labelled a simulator everywhere.

    `hours_per_second` speeds the simulated clock so a demo sees a day's views in seconds.
    `timezone` is the audience's (SHORTS_CHANNEL_TIMEZONE): its prime hour is on that clock.
    """

    root: str
    seed: int = 7
    hours_per_second: float = 1.0
    timezone: str = "UTC"
    name: str = "sandbox"

    def _post_dir(self, post_id: str) -> Path:
        return Path(self.root) / post_id

    def allowance(self) -> None:
        """A folder has no posting limit."""
        return None

    def publish(self, upload: Upload, progress: Progress | None = None) -> Post:
        """Copying into the folder is idempotent (the post id comes from the item), so no progress is kept."""
        post_id = "sbx-" + hashlib.sha256(upload.item_id.encode()).hexdigest()[:12]
        folder = self._post_dir(post_id)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upload.video, folder / "video.mp4")
        shutil.copyfile(upload.thumbnail, folder / "thumbnail.jpg")
        post = Post(
            platform=self.name, post_id=post_id, url=folder.resolve().as_uri(),
            published_at=datetime.now(UTC), simulated=True,
        )
        meta = {
            "item_id": upload.item_id, "title": upload.title, "description": upload.description,
            "tags": upload.tags, "attributes": upload.attributes, "duration_s": upload.duration_s,
            "post": post.model_dump(mode="json"), "simulator": "shorts_assets sandbox channel",
        }
        (folder / "post.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        return post

    def metrics(self, post: Post, now: datetime) -> MetricsSnapshot:
        meta_path = self._post_dir(post.post_id) / "post.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"sandbox post {post.post_id} is not in {self.root}")
        meta = json.loads(meta_path.read_text())
        hours = max(0.0, (now - post.published_at).total_seconds() * self.hours_per_second)
        attributes = {**meta["attributes"], **posting_time(post.published_at, ZoneInfo(self.timezone))}
        figures = SimulatedAudience(self.seed).snapshot(post.post_id, attributes, meta["duration_s"], hours)
        return MetricsSnapshot(
            platform=self.name, post_id=post.post_id, taken_at=now,
            hours_since_post=round(hours, 3), simulated=True, **figures,
        )

    def comments(self, post: Post, limit: int = 20) -> list[str]:
        """The post's latest simulated comments, newest first: as many so far as its metrics count."""
        so_far = self.metrics(post, datetime.now(UTC)).comments
        meta = json.loads((self._post_dir(post.post_id) / "post.json").read_text())
        return simulated_comments(post.post_id, meta["attributes"], so_far, self.seed)[::-1][:max(limit, 0)]

    def retract(self, post: Post) -> None:
        """Remove the post's folder from the channel; a post already gone counts as retracted."""
        folder = self._post_dir(post.post_id)
        if folder.parent != Path(self.root) or folder.name in (".", ".."):
            raise ValueError(f"{post.post_id!r} is not a sandbox post id")
        if folder.exists():
            shutil.rmtree(folder)
