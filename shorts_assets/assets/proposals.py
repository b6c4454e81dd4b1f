from dagster import AssetExecutionContext, MetadataValue, Output, ResourceParam, asset

from ..keys import RowStatus
from ..models import ContentStrategy, IdeaProposals
from ..policy import Policy
from ..proposals import TopicBankExhausted, fill_from_bank, propose
from ..providers.sheets import Sheet
from ..providers.writers import Drafted, IdeaDrafter, Writer
from . import cost_metadata, service_call


def as_row(idea, status: str) -> dict[str, str]:
    return {
        "topic": idea.topic, "category": idea.category, "facts": " | ".join(idea.facts),
        "hook_style": idea.hook_style.value, "target_seconds": str(idea.target_seconds), "music": idea.music,
        "status": status, "notes": idea.reason,
    }


def from_bank(context, choice: dict, taken: set[str], seed: int):
    """A topic of the chosen category not made yet; once the bank's topics of a category are all
    made, one of them again (another hook or length makes it a different video)."""
    try:
        return fill_from_bank(choice, taken, seed)
    except TopicBankExhausted as exhausted:
        context.log.info(f"{exhausted}; making one of its topics again")
        return fill_from_bank(choice, set(), seed)


@asset(group_name="learning")
def idea_proposals(
    context: AssetExecutionContext, content_strategy: ContentStrategy, policy: Policy, sheet: ResourceParam[Sheet],
    writer: ResourceParam[Writer],
) -> Output[IdeaProposals]:
    """The next ideas, drawn from the strategy and appended to the sheet, never past the cap on
    open proposals so the loop cannot flood the queue."""
    rows = sheet.rows()
    open_now = sum(r.status == RowStatus.PROPOSED for r in rows)
    wanted = max(0, min(policy.proposals_per_cycle, policy.max_open_proposals - open_now))
    taken = {(r.values.get("topic") or "").strip().lower() for r in rows}
    ideas, costs = [], []
    for index, choice in enumerate(propose(content_strategy, wanted, seed=policy.seed + len(rows))):
        with service_call():  # a writer service drafts the idea; offline, the topic bank does
            drafted = (writer.draft_idea(choice, taken, content_strategy.hints) if isinstance(writer, IdeaDrafter)
                       else Drafted(from_bank(context, choice, taken, seed=policy.seed + len(rows) + index)))
        ideas.append(drafted.idea)
        costs += [drafted.cost] if drafted.cost else []
        taken.add(drafted.idea.topic.lower())
    status = (RowStatus.READY if policy.auto_approve_ideas else RowStatus.PROPOSED).value
    numbers = sheet.append_rows([as_row(idea, status) for idea in ideas]) if ideas else []
    record = IdeaProposals(proposals=ideas, rows=numbers)
    table = "\n".join(["| topic | category | hook | seconds | why |", "|---|---|---|---|---|"] + [
        f"| {i.topic} | {i.category} | {i.hook_style.value} | {i.target_seconds} | {i.reason} |" for i in ideas])
    return Output(record, metadata={"proposed": len(ideas), "open_before": open_now, "status": status,
                                    "proposals": MetadataValue.md(table if ideas else "_none this cycle_"),
                                    **cost_metadata(costs)})
