"""The output format as a resource, so the clips, the render and the blocking check read one
setting (SHORTS_VIDEO_SIZE, SHORTS_VIDEO_FPS, and SHORTS_PLATFORMS for the safe area) and always agree."""

from dagster import ConfigurableResource
from pydantic import Field

from .media.format import PRODUCTION, OutputFormat
from .media.safe_areas import safe_area


class OutputResource(ConfigurableResource):
    width: int = Field(default=PRODUCTION.width, description="SHORTS_VIDEO_SIZE: pixels across")
    height: int = Field(default=PRODUCTION.height, description="SHORTS_VIDEO_SIZE: pixels down")
    fps: int = Field(default=PRODUCTION.fps, description="SHORTS_VIDEO_FPS")
    platforms: list[str] = Field(default=["sandbox"],
                                 description="SHORTS_PLATFORMS: whose app's buttons text must stay clear of")

    @property
    def format(self) -> OutputFormat:
        return OutputFormat(self.width, self.height, self.fps, safe_area=safe_area(self.platforms))
