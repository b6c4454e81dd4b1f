"""The output format as a resource, so the clips, the render and the blocking check read one
setting (SHORTS_VIDEO_SIZE, SHORTS_VIDEO_FPS) and always agree."""

from dagster import ConfigurableResource
from pydantic import Field

from .media.format import PRODUCTION, OutputFormat


class OutputResource(ConfigurableResource):
    width: int = Field(default=PRODUCTION.width, description="SHORTS_VIDEO_SIZE: pixels across")
    height: int = Field(default=PRODUCTION.height, description="SHORTS_VIDEO_SIZE: pixels down")
    fps: int = Field(default=PRODUCTION.fps, description="SHORTS_VIDEO_FPS")

    @property
    def format(self) -> OutputFormat:
        return OutputFormat(self.width, self.height, self.fps)
