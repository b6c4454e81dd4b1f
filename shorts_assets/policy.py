"""How the factory runs, as opposed to which services it uses: the review gate and the loop.

A resource, so the sensors, the schedule and the assets read the same settings.
"""

from dagster import ConfigurableResource
from pydantic import Field

# Row statuses a reviewer's decision moves through; anything past `approved` may publish.
APPROVED = ("approved", "publishing", "published")


class Policy(ConfigurableResource):
    review_required: bool = Field(description="SHORTS_REVIEW=required: a person approves each video first")
    auto_approve_ideas: bool = Field(default=False, description="SHORTS_AUTO_APPROVE_IDEAS: proposals go straight in")
    proposals_per_cycle: int = Field(default=3, ge=0, description="SHORTS_PROPOSALS_PER_CYCLE")
    max_open_proposals: int = Field(default=6, ge=0, description="SHORTS_MAX_OPEN_PROPOSALS: never flood the queue")
    seed: int = Field(default=7, description="SHORTS_STRATEGY_SEED: the strategy's draws are reproducible")
    rows_per_tick: int = Field(default=100, ge=1, description="SHORTS_ROWS_PER_TICK: new rows queued per sensor "
                               "tick; a pasted sheet of thousands goes in over a few ticks, not one huge one")
