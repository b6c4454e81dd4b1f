"""The review pages' markdown: text from a row or a service is shown as written, never run."""

import re
from datetime import UTC, datetime

from shorts_assets.models import Scene, Script
from shorts_assets.review_pages import escaped, link_entries, link_line, script_page
from shorts_assets.store import Link

TRICKS = ["![pixel](https://tracker.example/p.png)", "[click](javascript:alert(1))", "<img src=x onerror=alert(1)>",
          "| a | b |", "# heading", "www.example.com", "`code`"]


def test_markdown_in_a_script_stays_characters():
    script = Script(item_id="bees-1", title=TRICKS[0], hook=TRICKS[1],
                    beats=[Scene(narration=trick, visual=trick) for trick in TRICKS[2:]],
                    description=TRICKS[3], hashtags=["#bees"], writer="byo")
    page = script_page(script)
    for trick in TRICKS:
        assert escaped(trick) in page and escaped(trick).replace("\\", "") == trick  # shown as written
        assert re.search(r"(?<!\\)[\[\]()<>!#|`.:]", escaped(trick)) is None  # nothing left to open a link or tag


def test_links_say_what_they_are_and_how_long_they_work():
    local = Link("file:///srv/store/rendered_video/bees-1/video.mp4")
    assert link_entries("video", local)["video"].value == "/srv/store/rendered_video/bees-1/video.mp4"
    assert "`/srv/store/rendered_video/bees-1/video.mp4`" in link_line("Play the video", local)
    until = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    web = Link("https://bucket.s3.example/video.mp4?X-Amz-Expires=604800", until)
    entries = link_entries("video", web)
    assert entries["video"].value == web.url and entries["video_link_expires"].value == until.timestamp()
    assert link_line("Play the video", web) == (f"**▶ [Play the video]({web.url})** (valid until 2026-12-10 12:00 UTC)")
