import re

import pytest

from shorts_assets.providers.public_net import allowance
from shorts_assets.rows import RowError, idea_from_row, is_blank, item_key, split_facts
from shorts_assets_tests.conftest import GOOD_ROW


def test_good_row_becomes_an_idea():
    idea = idea_from_row(GOOD_ROW, 4)
    assert idea.row == 4 and idea.topic == "honeybees" and idea.target_seconds == 20
    assert idea.facts == ["Bees dance to tell each other where flowers are.", "A hive keeps its brood at 35 degrees."]
    assert re.fullmatch(r"honeybees-[0-9a-f]{8}", idea.item_id)


def test_same_row_same_key_and_any_change_a_new_key():
    assert idea_from_row(GOOD_ROW, 1).item_id == idea_from_row(dict(GOOD_ROW), 9).item_id
    assert idea_from_row({**GOOD_ROW, "topic": "HoneyBees "}, 1).item_id == idea_from_row(GOOD_ROW, 1).item_id
    assert idea_from_row({**GOOD_ROW, "hook_style": "story"}, 1).item_id != idea_from_row(GOOD_ROW, 1).item_id


def test_keys_are_safe_for_any_topic():
    key = item_key({"topic": "Ünïcode, commas / slashes & emoji 🐝"})
    assert re.fullmatch(r"[a-z0-9-]+", key) and not key.startswith("-")
    assert item_key({"topic": "🐝🐝"}).startswith("bee-bee-")
    assert item_key({"topic": "\u200d"}).startswith("item-")


@pytest.mark.parametrize(("topic", "readable"), [
    ("осьминог", "osminog"), ("ミツバチ", "mitsubachi"), ("蜜蜂", "mifeng"), ("मधुमक्खी", "mdhumkkhi"),
    ("النحل", "lnhl"), ("꿀벌", "kkulbeol"), ("ผึ้ง", "phueng"), ("Straße", "strasse"),
])
def test_keys_of_any_script_are_readable_latin(topic, readable):
    assert re.fullmatch(rf"{readable}-[0-9a-f]{{8}}", item_key({"topic": topic}))


def test_ascii_topics_keep_the_keys_they_always_had():
    """The same slug and hash as before transliteration, so no queued item changes its key."""
    assert item_key({"topic": "honeybees"}) == "honeybees-1f1c558e"
    assert item_key({**GOOD_ROW, "topic": "Don't panic: 42 facts!"}) == "don-t-panic-42-facts-d0fbf857"


def test_the_language_is_checked_and_stored_normalised():
    assert idea_from_row({**GOOD_ROW, "language": " PT_BR "}, 1).language == "pt-br"
    assert idea_from_row({**GOOD_ROW, "language": ""}, 1).language == "en"
    with pytest.raises(RowError, match=r"language 'klingon' is not one .* use one of .*\bhi\b"):
        idea_from_row({**GOOD_ROW, "language": "klingon"}, 1)


def test_an_empty_voice_is_left_to_the_language_and_a_named_one_kept():
    assert idea_from_row({**GOOD_ROW, "voice": "", "language": "es"}, 1).voice == ""
    assert idea_from_row({**GOOD_ROW, "voice": "es-419", "language": "es"}, 1).voice == "es-419"


def test_unspaced_scripts_are_counted_in_phrases_not_as_one_word():
    long_japanese = "ミツバチは花の蜜を集めます。" * 60  # one "word" to str.split, about 240 phrases
    with pytest.raises(RowError, match="too long"):
        idea_from_row({**GOOD_ROW, "script": long_japanese, "language": "ja"}, 1)


def test_own_item_id_is_used_when_valid():
    assert idea_from_row({**GOOD_ROW, "item_id": "my-bees"}, 1).item_id == "my-bees"
    with pytest.raises(RowError, match="item_id"):
        idea_from_row({**GOOD_ROW, "item_id": "../etc"}, 1)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"topic": "  "}, "topic is empty"),
        ({"facts": ""}, "facts to tell or a script"),
        ({"hook_style": "shouty"}, "hook_style must be one of"),
        ({"music": "metal"}, "music must be one of"),
        ({"caption_preset": "sparkly"}, "caption_preset 'sparkly' is not a caption preset; choose one of classic, "
                                        "karaoke, pop, boxed, minimal"),
        ({"target_seconds": "forty"}, "whole number"),
        ({"target_seconds": "600"}, "target_seconds"),
        ({"facts": "word " * 200}, "too long"),
        ({"topic": "x" * 500}, "topic is longer than 120"),
    ],
)
def test_bad_rows_say_why(change, reason):
    with pytest.raises(RowError, match=reason):
        idea_from_row({**GOOD_ROW, **change}, 1)


def test_a_rows_caption_preset_is_its_look_not_its_identity():
    """Changing how a row's captions look re-renders the same item: the key ignores the preset."""
    idea = idea_from_row({**GOOD_ROW, "caption_preset": " Karaoke "}, 1)
    assert idea.caption_preset == "karaoke"
    assert idea.item_id == idea_from_row(GOOD_ROW, 1).item_id
    assert idea_from_row(GOOD_ROW, 1).caption_preset == ""  # empty: the render's config, else classic


def test_control_characters_are_removed():
    idea = idea_from_row({**GOOD_ROW, "topic": "bees\x00\x1b[31m"}, 1)
    assert idea.topic == "bees [31m"


def test_facts_split_on_lines_or_bars():
    assert split_facts("a\nb | c||") == ["a", "b", "c"]


def test_blank_rows_are_recognised():
    assert is_blank({"topic": " ", "status": "old"})
    assert not is_blank({"item_id": "x-1"})


def test_a_voice_keeps_its_case_as_elevenlabs_ids_need_it():
    assert idea_from_row({**GOOD_ROW, "voice": "21m00Tcm4TlvDq8ikWAM"}, 1).voice == "21m00Tcm4TlvDq8ikWAM"
    assert item_key({**GOOD_ROW, "voice": "EN-US"}) == item_key({**GOOD_ROW, "voice": "en-us"})


@pytest.mark.parametrize(("link", "reason"), [
    ("http://127.0.0.1:22/", "media 1 links 127.0.0.1, a loopback address inside the factory's network: "
     "give a public link"),
    ("http://169.254.169.254/latest/meta-data/", "media 1 links 169.254.169.254, a link-local address inside the "
     "factory's network (the cloud metadata service lives there): give a public link"),
    ("https://2130706433/x.mp4", "links 2130706433 (127.0.0.1), a loopback address"),
    ("https://0x7f.1/x.mp4", "links 0x7f.1 (127.0.0.1), a loopback address"),
    ("https://127.1/x.mp4", "links 127.1 (127.0.0.1), a loopback address"),
    ("https://0177.0.0.1/x.mp4", "links 0177.0.0.1 (127.0.0.1), a loopback address"),
    ("http://[::1]:8080/x.mp4", "links ::1, a loopback address"),
    ("http://[::ffff:127.0.0.1]/x.mp4", "a loopback address"),  # IPv4-mapped
    ("http://[fe80::1%25eth0]/x.mp4", "a link-local address"),
    ("http://[fd00:ec2::254]/x.mp4", "links fd00:ec2::254, a unique-local address"),
    ("http://LOCALHOST/x.mp4", "links localhost (127.0.0.1), a loopback address"),
    ("http://media.localhost./x.mp4", "links media.localhost. (127.0.0.1), a loopback address"),
    ("http://10.0.0.5/x.mp4", "links 10.0.0.5, a private address"),
    ("http://192.168.1.20/x.mp4", "links 192.168.1.20, a private address"),
    ("http://100.64.0.9/x.mp4", "a shared (carrier-grade NAT) address"),
    ("http://0.0.0.0:8000/x.mp4", "links 0.0.0.0, an unspecified address"),
    ("https://videos.example.com/x.mp4 | http://10.0.0.5/x.mp4", "media 2 links 10.0.0.5"),
])
def test_a_media_link_to_an_internal_address_is_rejected_with_why(link, reason):
    with pytest.raises(RowError) as rejected:
        idea_from_row({**GOOD_ROW, "media": link}, 1)
    assert reason in str(rejected.value)


def test_a_media_link_the_setting_allows_is_accepted_at_that_port_only():
    allowed = allowance(["127.0.0.1:8123", "[::1]:8123", "10.0.0.0/8"])
    links = ["http://127.0.0.1:8123/x.mp4", "http://[::1]:8123/x.mp4", "https://10.9.8.7/x.mp4",
             "https://videos.example.com/x.mp4"]
    assert idea_from_row({**GOOD_ROW, "media": " | ".join(links)}, 1, allowed).media == links
    with pytest.raises(RowError, match="links 127.0.0.1, a loopback address"):
        idea_from_row({**GOOD_ROW, "media": "http://127.0.0.1:8124/x.mp4"}, 1, allowed)


def test_a_media_link_with_an_impossible_port_is_rejected():
    for link in ("http://videos.example.com:0/x.mp4", "http://videos.example.com:99999/x.mp4"):
        with pytest.raises(RowError, match="must be an http"):
            idea_from_row({**GOOD_ROW, "media": link}, 1)
