"""How the factory runs, as opposed to which services it uses: the review gate and the loop.

A resource, so the sensors, the schedule and the assets read the same settings.
"""

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from dagster import AssetKey, ConfigurableResource, DagsterInstance
from pydantic import Field

from . import slots
from .budget import budget_deferral, spent_on
from .providers import Deferred
from .providers.public_net import Allowance, allowance
from .rows import RowError


class Policy(ConfigurableResource):
    review_required: bool = Field(description="SHORTS_REVIEW=required: a person approves each video first")
    auto_approve_ideas: bool = Field(default=False, description="SHORTS_AUTO_APPROVE_IDEAS: proposals go straight in")
    proposals_per_cycle: int = Field(default=3, ge=0, description="SHORTS_PROPOSALS_PER_CYCLE")
    max_open_proposals: int = Field(default=6, ge=0, description="SHORTS_MAX_OPEN_PROPOSALS: never flood the queue")
    seed: int = Field(default=7, description="SHORTS_STRATEGY_SEED: the strategy's draws are reproducible")
    rows_per_tick: int = Field(default=100, ge=1, description="SHORTS_ROWS_PER_TICK: new rows queued per sensor "
                               "tick; a pasted sheet of thousands goes in over a few ticks, not one huge one")
    scene_concurrency: int = Field(default=4, ge=1, description="SHORTS_SCENE_CONCURRENCY: an item's scenes a step "
                                   "asks a service for at once (footage, a paid voice), within the pools' steps")
    daily_budget_usd: float = Field(default=0.0, ge=0, description="SHORTS_DAILY_BUDGET_USD: no new paid work "
                                    "once today's cost metadata adds up to it (0: no cap)")
    paid_assets: list[str] = Field(default_factory=list, description="the assets whose selected service charges")
    costed_assets: list[str] = Field(default_factory=list, description="the assets whose metadata carries cost_usd")
    writer_adapts: bool = Field(default=False, description="the writer (SHORTS_WRITER=openai) adapts a row into "
                                "the other languages it asks for; offline, each version needs its own script")
    allow_networks: list[str] = Field(default_factory=list, description="SHORTS_MEDIA_ALLOW_NETWORKS: non-public "
                                      "networks a row's media link may name, such as a NAS")
    channel_timezone: str = Field(default="UTC", description="SHORTS_CHANNEL_TIMEZONE: the channel's audience's "
                                  "time zone (IANA name): publishing slots and the hours the strategy learns")
    publish_slots: list[str] = Field(default_factory=list, description="SHORTS_PUBLISH_SLOTS: cron expressions "
                                     "in the channel's time zone, or ['auto']; empty publishes on approval")

    @property
    def holds_videos(self) -> bool:
        """A new item stops at its video: a person reviews it, or the publishing slots say when it goes out."""
        return self.review_required or bool(self.publish_slots)

    def holds(self, row: Mapping[str, str]) -> bool:
        """Whether an item of this row stops at its video: `holds_videos`, or the row pins when it goes
        out (`publish_at`, which the publishing calendar then keeps, review or not). A pin that cannot
        be read holds too: the sheet sync writes why to the row."""
        try:
            return self.holds_videos or slots.pinned(row.get(slots.COLUMN), self.channel_zone) is not None
        except RowError:
            return True

    @property
    def channel_zone(self) -> ZoneInfo:
        return ZoneInfo(self.channel_timezone)

    @property
    def media_allowance(self) -> Allowance:
        """What the row check lets through, read from the same setting as the footage downloads."""
        return allowance(self.allow_networks)

    @property
    def costed_keys(self) -> list[AssetKey]:
        return [AssetKey.from_user_string(name) for name in self.costed_assets]

    def budget_held(self, instance: DagsterInstance) -> Deferred | None:
        """Why new paid work must wait (the day's budget is spent), or None."""
        return budget_deferral(instance, self.daily_budget_usd, self.costed_keys) if self.paid_assets else None

    def item_cost(self, instance: DagsterInstance, item: str) -> float:
        """What an item's paid steps have cost so far (its cost metadata, every run)."""
        return spent_on(instance, item, self.costed_keys)

    def hold_paid_work(self, instance: DagsterInstance, asset: AssetKey) -> None:
        """Raise `Deferred` when `asset` is paid work and the day's budget is spent."""
        held = self.budget_held(instance) if asset.to_user_string() in self.paid_assets else None
        if held is not None:
            raise held
