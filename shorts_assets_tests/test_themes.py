from datetime import UTC, datetime, timedelta

import pytest

from shorts_assets.models import Post
from shorts_assets.posting_time import POSTING_HOUR, POSTING_WEEKDAY, WEEKDAYS
from shorts_assets.providers.platforms import SandboxChannel, SimulatedAudience
from shorts_assets.themes import fold, keyword_themes, simulated_comments
from shorts_assets_tests.providers.test_platforms import upload_for

COMMENTS = [
    "I love the honey bees!",
    "Honey bees are amazing",
    "The bee dance was so cool",
    "the dance of the honey bee 🐝",
    "Dances!!",
    "Great video",
]


def test_themes_count_comments_per_word_with_plurals_folded_and_frequent_pairs():
    assert keyword_themes(COMMENTS) == ["bee (4 comments)", "honey bee (3 comments)", "dance (3 comments)"]


def test_a_pair_replaces_its_words_when_they_never_appear_alone():
    themes = keyword_themes(["The honey bee is here", "honey bee again!", "one honey bee"])
    assert themes == ["honey bee (3 comments)"]


def test_top_limits_the_themes_and_a_word_counts_once_per_comment():
    assert keyword_themes(["dance dance dance", "dance", "music"], top=1) == ["dance (2 comments)"]
    assert keyword_themes(COMMENTS, top=0) == []


def test_single_mentions_are_themes_only_in_a_handful_of_comments():
    assert keyword_themes(["The octopus has three hearts"]) == [
        "heart (1 comment)", "octopus (1 comment)", "three (1 comment)"
    ]
    many = ["octopus hearts", "octopus arms", "blue blood", "octopus", "great"]
    assert keyword_themes(many) == ["octopus (3 comments)"]


@pytest.mark.parametrize("comments", [[], [""], ["   "], ["🔥🔥🔥", "😂"], ["!!!", "123 456"], ["ok", "a"]])
def test_nothing_to_say_gives_no_themes(comments):
    assert keyword_themes(comments) == []


def test_other_scripts_and_accents_are_words_too():
    themes = keyword_themes(["蜜蜂很棒", "蜜蜂很棒！", "Пчёлы танцуют", "пчёлы 🐝", "Très intéressant"])
    assert themes[:2] == ["пчёлы (2 comments)", "蜜蜂很棒 (2 comments)"]
    assert "très (1 comment)" not in themes  # five comments: a single mention is not a theme


def test_plural_folding():
    assert [fold(w) for w in ("bees", "stories", "beaches", "boxes", "glass", "octopus", "this", "news")] == [
        "bee", "story", "beach", "box", "glass", "octopus", "this", "new"
    ]


def test_simulated_comments_are_seeded_and_grow_by_appending():
    attributes = {"category": "nature", "hook_style": "story"}
    ten = simulated_comments("sbx-1", attributes, 10, seed=7)
    assert ten == simulated_comments("sbx-1", attributes, 10, seed=7)
    assert simulated_comments("sbx-1", attributes, 25, seed=7)[:10] == ten
    assert ten != simulated_comments("sbx-1", attributes, 10, seed=8)
    assert ten != simulated_comments("sbx-2", attributes, 10, seed=7)
    assert len(ten) == 10 and all(isinstance(c, str) and c for c in ten)
    assert simulated_comments("sbx-1", attributes, 0, seed=7) == []


def test_simulated_comments_are_about_the_item():
    comments = simulated_comments("sbx-1", {"category": "space", "hook_style": "story"}, 60, seed=7)
    assert any("space" in c for c in comments) and any("story" in c for c in comments)
    assert keyword_themes(comments)[0].startswith("space (")  # the category is what people talk about most


def test_simulated_comments_need_no_known_attributes():
    comments = simulated_comments("sbx-1", {}, 30, seed=1)
    assert len(comments) == 30 and not any("{" in c for c in comments)


def test_sandbox_comments_are_the_latest_simulated_ones(tmp_path):
    """Posted yesterday at the audience's prime hour and weekday, so the count does not hang on the clock."""
    channel = SandboxChannel(root=str(tmp_path / "channel"), hours_per_second=1e6)
    upload = upload_for(tmp_path, item_id="bees-3")
    audience = SimulatedAudience(channel.seed)
    day = datetime.now(UTC) - timedelta(days=1)
    while WEEKDAYS[day.weekday()] != audience.prime(POSTING_WEEKDAY):
        day -= timedelta(days=1)
    posted = day.replace(hour=int(audience.prime(POSTING_HOUR)), minute=0, second=0, microsecond=0)
    post = channel.publish(upload).model_copy(update={"published_at": posted})
    so_far = channel.metrics(post, datetime.now(UTC)).comments
    assert so_far >= 5
    expected = simulated_comments(post.post_id, upload.attributes, so_far, seed=channel.seed)[::-1]
    assert channel.comments(post, limit=3) == expected[:3]
    assert channel.comments(post) == expected[:20]  # the 20 latest by default
    assert channel.comments(post, limit=0) == []


def test_a_fresh_sandbox_post_has_no_comments_and_an_unknown_one_fails(tmp_path):
    channel = SandboxChannel(root=str(tmp_path / "channel"))
    assert channel.comments(channel.publish(upload_for(tmp_path))) == []
    stranger = Post(platform="sandbox", post_id="sbx-missing", url="file:///x", published_at=datetime.now(UTC))
    with pytest.raises(FileNotFoundError):
        channel.comments(stranger)
