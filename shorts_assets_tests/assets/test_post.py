from datetime import UTC, datetime

import pytest

from shorts_assets.assets.post import publish_everywhere
from shorts_assets.models import Post
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.platforms import Upload
from shorts_assets.store import LocalStore


class Platform:
    def __init__(self, name, failures=()):
        self.name, self.failures, self.uploads = name, list(failures), 0

    def allowance(self):
        return None

    def publish(self, upload, progress=None):
        if self.failures:
            raise self.failures.pop(0)
        self.uploads += 1
        return Post(platform=self.name, post_id=f"{self.name}-1", url=f"https://{self.name}/1",
                    published_at=datetime.now(UTC))


@pytest.fixture
def upload(tmp_path):
    return Upload(item_id="bees-1", video=tmp_path / "v.mp4", thumbnail=tmp_path / "t.jpg", title="t",
                  description="d", tags=[], attributes={}, duration_s=10)


def test_a_failing_platform_does_not_undo_the_others_and_the_retry_does_only_what_is_missing(tmp_path, upload):
    store = LocalStore(tmp_path / "store")
    good, flaky = Platform("good"), Platform("flaky", [TransientError("503", retry_after=7)])
    with pytest.raises(TransientError, match=r"flaky: 503 \(published on good\)") as raised:
        publish_everywhere([good, flaky], upload, store)
    assert raised.value.retry_after == 7
    posts = publish_everywhere([good, flaky], upload, store)
    assert [p.platform for p in posts] == ["good", "flaky"]
    assert (good.uploads, flaky.uploads) == (1, 1)
    assert publish_everywhere([good, flaky], upload, store) == posts
    assert (good.uploads, flaky.uploads) == (1, 1)


def test_only_permanent_failures_fail_permanently(tmp_path, upload):
    store = LocalStore(tmp_path / "store")
    with pytest.raises(PermanentError, match="a: quota; b: auth"):
        publish_everywhere([Platform("a", [PermanentError("quota")]), Platform("b", [PermanentError("auth")])],
                           upload, store)
    with pytest.raises(TransientError):
        publish_everywhere([Platform("a", [PermanentError("quota")]), Platform("b", [OSError("reset")])],
                           upload, store)
