"""Footage downloads: a size limit, a cache by content hash. (Through Pexels and row media: test_stock_footage.)"""

from __future__ import annotations

import httpx
import pytest

from shorts_assets.providers.downloads import MB, DownloadCache, Unusable


def test_downloads_stop_at_the_limit_without_a_content_length(tmp_path):
    def chunks():
        yield b"\0\0\0\x18ftypmp42"
        while True:
            yield bytes(64 * 1024)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, headers={"content-type": "video/mp4"},
                                                                   content=chunks()))
    with httpx.Client(transport=transport) as client, pytest.raises(Unusable, match="over the 1 MB limit"):
        DownloadCache(tmp_path).fetch(client, "https://cdn.example/v.mp4", "k", MB, lambda kind: kind)
    assert not list((tmp_path / "blobs").iterdir())
