from __future__ import annotations

import re

import ffmpeg
import pytest

from shorts_assets.languages import DEFAULT
from shorts_assets.media.ass import parse_dialogue_times
from shorts_assets.media.ass import time as ass_time
from shorts_assets.media.captions import CaptionStyle, build_ass, display_word, group_lines
from shorts_assets.media.ffmpeg import run
from shorts_assets.media.fonts import CAPTION_FACE, font_stack, fonts_dir
from shorts_assets.media.format import OutputFormat
from shorts_assets.models import WordTiming

HIGHLIGHT = re.compile(r"\{\\c&H00E5FF&\}(.*?)\{\\r\}")
FONT = re.compile(r"\{\\fn[^}]*\}")  # the font stack's run markers


def shown(text: str) -> str:
    """An event's text without its font markers."""
    return FONT.sub("", text)


def timed(*specs: tuple[str, float, float, int]) -> list[WordTiming]:
    return [WordTiming(word=w, start=s, end=e, scene=n) for w, s, e, n in specs]


WORDS = timed(
    ("Did", 0.00, 0.20, 0), ("you", 0.22, 0.40, 0), ("know", 0.42, 0.70, 0),
    ("bees", 0.75, 1.10, 0), ("dance?", 1.12, 1.60, 0),
    ("They", 1.70, 1.90, 1), ("do.", 1.95, 2.30, 1),
    ("Really,", 3.20, 3.60, 1), ("truly!", 3.62, 4.00, 1),
)


def test_one_event_per_word_starting_on_the_word():
    events = parse_dialogue_times(build_ass(WORDS))
    assert len(events) == len(WORDS)
    for (start, _, _), word in zip(events, WORDS, strict=True):
        assert start == pytest.approx(word.start, abs=0.005)


def test_a_word_holds_until_the_next_word_and_a_line_across_short_pauses():
    events = parse_dialogue_times(build_ass(WORDS))
    ends = [end for _, end, _ in events]
    # Lines: [Did you know] [bees dance] (scene change) [They do] (pause 0.9 s) [Really truly]
    # A line's last word holds until the next line starts, unless the pause is over 0.6 s.
    expected = [0.22, 0.42, 0.75, 1.12, 1.70, 1.95, 2.30, 3.62, 4.00]
    assert ends == pytest.approx(expected, abs=0.005)


def test_lines_break_on_size_scene_and_pause():
    lines = group_lines(WORDS)
    assert [[w.word for w in line] for line in lines] == [
        ["Did", "you", "know"], ["bees", "dance?"], ["They", "do."], ["Really,", "truly!"],
    ]
    assert len(group_lines(WORDS, style=CaptionStyle(words_per_line=2))[0]) == 2


def test_the_spoken_word_is_highlighted_in_its_whole_line():
    events = parse_dialogue_times(build_ass(WORDS))
    first_line = [shown(text) for _, _, text in events[:3]]
    for index, text in enumerate(first_line):
        assert HIGHLIGHT.findall(text) == [["DID", "YOU", "KNOW"][index]]
        assert HIGHLIGHT.sub(r"\1", text) == "DID YOU KNOW"
    assert HIGHLIGHT.sub(r"\1", shown(events[4][2])) == "BEES DANCE"


def test_display_is_upper_case_without_surrounding_punctuation():
    assert [display_word(w) for w in ('"Hello,', "don't!", "(e.g.)", "—", "well...")] == [
        "HELLO", "DON'T", "E.G", "—", "WELL",
    ]


def test_text_cannot_inject_ass_tags():
    hostile = timed(
        ("x{\\fs200}y", 0.0, 0.5, 0), ("a\\Nb}", 0.5, 1.0, 0), ("two\nlines", 1.0, 1.5, 0)
    )
    document = build_ass(hostile)
    texts = [shown(text) for _, _, text in parse_dialogue_times(document)]
    # a word with a newline in it is two units: shown one after the other, never a new event line
    assert len(texts) == 4 and document.count("Dialogue:") == 4
    for text in texts:
        plain = HIGHLIGHT.sub(r"\1", text)
        assert not re.search(r"(?<!\\)[{}]", plain), plain  # every brace is escaped
        assert "\\N" not in plain and "\\n" not in plain
    assert "X\\{\\\u200bFS200\\}Y" in texts[0]
    assert "TWO" in texts[2] and HIGHLIGHT.findall(texts[3]) == ["LINES"]


def test_document_has_play_resolution_and_a_centred_lower_style():
    document = build_ass(WORDS, OutputFormat(720, 1280))
    assert "PlayResX: 720\nPlayResY: 1280\n" in document
    style = next(line for line in document.splitlines() if line.startswith("Style:")).split(",")
    assert style[1] == "Roboto Black"
    assert style[18] == "2"  # bottom centre, lifted by MarginV
    assert int(style[21]) == round(0.30 * 1280 + (7 + 2) * 1280 / 1920)  # 30 % up, over the outline and shadow


def test_ass_time():
    assert ass_time(0) == "0:00:00.00"
    assert ass_time(1.234) == "0:00:01.23"
    assert ass_time(3661.5) == "1:01:01.50"


def test_the_caption_face_is_roboto_black_first_in_every_stack():
    assert CAPTION_FACE.family == "Roboto Black"
    assert font_stack(DEFAULT).faces[0] == CAPTION_FACE


def test_libass_picks_roboto_black_from_the_package(tmp_path):
    """libass falls back to any system font silently; its font selection log says what it used."""
    captions = tmp_path / "one.ass"
    captions.write_text(build_ass(WORDS[:1], OutputFormat(320, 568)), encoding="utf-8")
    fonts = fonts_dir([captions.read_text(encoding="utf-8")], tmp_path / "fonts")
    graph = ffmpeg.input("color=s=320x568:d=0.1", f="lavfi").filter("ass", filename=str(captions), fontsdir=str(fonts))
    log = run(ffmpeg.output(graph, "-", f="null").global_args("-loglevel", "verbose"), "caption")
    assert re.search(r"fontselect: \(Roboto Black, \d+, \d+\) -> Roboto-Black\b", log), log
