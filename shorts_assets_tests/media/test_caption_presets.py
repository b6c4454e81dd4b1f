"""Each caption preset draws its effect (measured on frames libass draws, not on the ASS text), in
every kind of script, inside the safe area of every platform; the check names a platform whose
buttons a caption would sit under."""

from __future__ import annotations

import random

import numpy as np
import pytest
from dagster import Failure
from PIL import Image

from shorts_assets import preset_previews
from shorts_assets.assets.video import CaptionConfig, caption_style
from shorts_assets.languages import language
from shorts_assets.media.ass import parse_dialogue_times
from shorts_assets.media.backgrounds import text_card
from shorts_assets.media.caption_presets import PRESETS, preset
from shorts_assets.media.captions import CaptionStyle, build_ass
from shorts_assets.media.format import OutputFormat
from shorts_assets.media.safe_areas import PLATFORM_AREAS, UNCOVERED, safe_area
from shorts_assets.media.text_boxes import draw, event_boxes, under_buttons
from shorts_assets.models import WordTiming

EVERY_PLATFORM = tuple(PLATFORM_AREAS)
FRAME = OutputFormat(360, 640, safe_area=safe_area(EVERY_PLATFORM))
SPOKEN = (1.0, 1.6)  # the second word's time: the frames are taken inside it
TEXTS = {"en": "Bees dance here", "ar": "النحل يرقص هنا", "hi": "मधुमक्खियाँ नाचती हैं"}


def words(code: str) -> list[WordTiming]:
    first, second, third = TEXTS[code].split()
    return [WordTiming(word=first, start=0.4, end=1.0, scene=0), WordTiming(word=second, start=SPOKEN[0],
            end=SPOKEN[1], scene=0), WordTiming(word=third, start=1.6, end=2.2, scene=0)]


def frames(name: str, times: list[float], code: str = "en") -> np.ndarray:
    document = build_ass(words(code), FRAME, CaptionStyle(preset=name), language=language(code))
    return draw(document, times, (FRAME.width, FRAME.height)).astype(int)


def highlight(frame: np.ndarray) -> np.ndarray:
    """Pixels in the highlight colour (FFE500)."""
    return (frame[..., 0] > 200) & (frame[..., 1] > 170) & (frame[..., 2] < 90)


def text(frame: np.ndarray) -> np.ndarray:
    return np.any(frame != 128, axis=2)


def extent(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a mask's pixels."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert rows.size, "nothing drawn"
    return columns[0], rows[0], columns[-1] + 1, rows[-1] + 1


def at(fraction: float) -> float:
    return SPOKEN[0] + fraction * (SPOKEN[1] - SPOKEN[0])


def test_classic_draws_the_spoken_word_in_the_highlight_colour():
    before, during = frames("classic", [0.7, at(0.5)])
    assert highlight(before).sum() > 100 and highlight(during).sum() > 100
    assert extent(highlight(during))[0] > extent(highlight(before))[2]  # the second word, right of the first


def test_karaoke_fills_the_spoken_word_left_to_right_as_it_is_spoken():
    early, late = frames("karaoke", [at(0.2), at(0.8)])
    left, _, right, _ = extent(highlight(frames("classic", [at(0.5)])[0]))  # the spoken word's columns
    filled = [highlight(frame)[:, left:right].any(axis=0).mean() for frame in (early, late)]
    assert filled[0] < 0.45 < 0.7 < filled[1], filled  # the fill has moved across the word
    first_word = slice(0, left - 4)
    assert highlight(early)[:, first_word].sum() > 100  # the word already spoken stays filled


def test_pop_grows_the_spoken_word_in():
    start, grown = frames("pop", [SPOKEN[0] + 0.01, at(0.5)])
    [rest] = frames("classic", [at(0.5)])
    heights = [extent(highlight(frame))[3] - extent(highlight(frame))[1] for frame in (start, grown, rest)]
    assert heights[0] < heights[2] < heights[1], heights  # from smaller than at rest to larger
    assert heights[1] / heights[2] == pytest.approx(1.25, abs=0.12)


def test_boxed_draws_a_filled_box_behind_the_spoken_word():
    [frame] = frames("boxed", [at(0.5)])
    left, top, right, bottom = extent(highlight(frame))
    box = frame[top:bottom, left:right]
    assert (right - left) > 20 and (bottom - top) > 15
    assert highlight(box).mean() > 0.6  # a filled rectangle, not letters
    assert highlight(box[[0, -1]]).mean() > 0.9 and highlight(box[:, [0, -1]]).mean() > 0.9  # straight edges
    letters = box.max(axis=2) < 60
    assert letters.sum() > 30  # dark letters on it


def test_minimal_is_lower_case_smaller_and_without_outline():
    document = build_ass(words("en"), FRAME, CaptionStyle(preset="minimal"))
    assert "bees" in document and "BEES" not in document.split("[Events]")[1]
    [minimal] = frames("minimal", [at(0.5)])
    [classic] = frames("classic", [at(0.5)])
    height = [extent(text(frame))[3] - extent(text(frame))[1] for frame in (minimal, classic)]
    assert height[0] < 0.85 * height[1]
    assert (minimal.max(axis=2) < 40).sum() == 0 < (classic.max(axis=2) < 40).sum()  # no black outline


@pytest.mark.parametrize("code", ["ar", "hi"])
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_draws_right_to_left_and_complex_scripts_inside_every_safe_area(name, code):
    document = build_ass(words(code), FRAME, CaptionStyle(preset=name), language=language(code))
    [frame] = draw(document, [at(0.5)], (FRAME.width, FRAME.height)).astype(int)
    assert text(frame).sum() > 500 and highlight(frame).sum() > 50
    assert under_buttons(document, EVERY_PLATFORM) == []


def test_karaoke_in_a_right_to_left_script_turns_whole_words():
    """libass fills \\kf left to right, against Arabic's reading; there a word turns at once."""
    document = build_ass(words("ar"), FRAME, CaptionStyle(preset="karaoke"), language=language("ar"))
    assert "\\kf" not in document and "\\k" in document


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_defaults_keep_every_preset_clear_of_every_platform(name):
    production = OutputFormat(safe_area=safe_area(EVERY_PLATFORM))
    spoken = ["Did", "you", "know", "that", "honeybees", "dance", "to", "tell", "each", "other", "where", "the",
              "flowers", "are"]
    timed = [WordTiming(word=w, start=i * 0.3, end=i * 0.3 + 0.25, scene=i // 5) for i, w in enumerate(spoken)]
    document = build_ass(timed, production, CaptionStyle(preset=name))
    assert under_buttons(document, EVERY_PLATFORM) == []
    assert all(found.box for found in event_boxes(document))


def test_a_low_caption_is_named_under_each_platforms_buttons():
    document = build_ass(words("en"), FRAME, CaptionStyle(margin_v=0.0))
    problems = under_buttons(document, EVERY_PLATFORM)
    assert len(problems) == len(EVERY_PLATFORM)
    for problem, where in zip(problems, PLATFORM_AREAS.values(), strict=True):
        assert f"under the buttons of {where.label}" in problem and "into the bottom" in problem
        assert "'BEES DANCE HERE'" in problem
    # Only the platforms enabled are asked about: a caption above TikTok's but under Reels' buttons.
    between = build_ass(words("en"), FRAME, CaptionStyle(margin_v=0.27))
    assert under_buttons(between, ["tiktok"]) == []
    [reels] = under_buttons(between, ["tiktok", "instagram"])
    assert "Instagram Reels" in reels


def test_a_caption_to_the_right_is_named_under_the_action_column():
    """Sides count too: lines cut for an uncovered frame reach under TikTok's buttons on the right."""
    wide = OutputFormat(360, 640, safe_area=UNCOVERED)
    long_words = [WordTiming(word=w, start=i * 0.5, end=i * 0.5 + 0.4, scene=0)
                  for i, w in enumerate(["Extraordinary", "honeybees", "communicate"])]
    document = build_ass(long_words, wide, CaptionStyle(margin_h=0, words_per_line=2))
    [problem] = under_buttons(document, ["tiktok"])
    assert "into the right 16%" in problem


def test_a_preset_is_looked_up_by_name_with_a_clear_error():
    assert preset(" Karaoke ").name == "karaoke"
    with pytest.raises(ValueError, match="choose one of classic, karaoke, pop, boxed, minimal"):
        preset("sparkly")


def test_the_intersection_of_safe_areas_takes_each_edge_from_the_platform_that_covers_most():
    area = safe_area(["youtube", "tiktok", "instagram"])
    assert (area.top, area.bottom, area.left, area.right) == (0.14, 0.35, 0.06, 0.16)
    assert safe_area([]) == UNCOVERED


@pytest.mark.parametrize("code", ["en", "ar", "hi"])
def test_a_text_card_sits_inside_the_safe_area(tmp_path, code):
    phrase = {"en": "Follow for more bee facts", "ar": "تابعنا لمزيد من حقائق النحل",
              "hi": "मधुमक्खियों के बारे में और जानें"}[code]
    assfile = tmp_path / "card.ass"
    text_card(phrase, language(code), random.Random(1), 1, FRAME.width, FRAME.height, 10, 1.0, assfile,
              FRAME.safe_area)
    document = assfile.read_text(encoding="utf-8")
    [card] = event_boxes(document)
    assert FRAME.safe_area.intrusions(card.box, FRAME.width, FRAME.height) == []
    assert parse_dialogue_times(document)


def test_the_config_wins_over_the_row_and_the_row_over_the_default():
    assert caption_style(CaptionConfig(caption_preset="pop"), "boxed").preset == "pop"
    assert caption_style(CaptionConfig(), "boxed").preset == "boxed"
    assert caption_style(CaptionConfig(), "").preset == "classic"
    with pytest.raises(Failure, match="choose one of"):
        caption_style(CaptionConfig(caption_preset="sparkly"))


def test_the_preview_script_draws_a_small_picture_of_each_preset(tmp_path):
    preset_previews.main([str(tmp_path)])
    for name in PRESETS:
        picture = np.asarray(Image.open(tmp_path / f"{name}.png"))
        assert picture.shape[1] == preset_previews.FRAME.width and 80 < picture.shape[0] < 300
        assert highlight(picture.astype(int)).sum() > 100  # the spoken word's effect is in the picture
        assert (tmp_path / f"{name}.png").stat().st_size < 40_000
