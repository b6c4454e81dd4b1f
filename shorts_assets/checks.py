"""Quality gates. The video gate blocks publishing: a bad render never reaches a channel.

It measures the stored file itself (probe, EBU R128 loudness), so the gate does not take the
rendering step's word for what it made."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from .assets.narration import NARRATION
from .assets.video import rendered_video
from .models import Narration, RenderedVideo
from .output import OutputResource
from .partitions import content_items
from .spec import video_problems


@asset_check(
    asset=rendered_video,
    blocking=True,
    partitions_def=content_items,
    additional_ins={"narration": AssetIn(key=NARRATION)},
)
def rendered_video_meets_spec(
    rendered_video: RenderedVideo, narration: Narration, output: OutputResource
) -> AssetCheckResult:
    """The configured size and frame rate (1080x1920 at 30 fps by default), H.264 + AAC 48 kHz,
    narration plus tail, -14 LUFS, captions every character of which (and of the title and
    cards) a bundled font draws and none of which an enabled platform's buttons cover, thumbnail."""
    problems, figures = video_problems(rendered_video, narration.duration_s, output.format, output.platforms)
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "meets the delivery spec",
        metadata=figures,
    )
