"""Every script the factory supports, drawn for real: captions and the title card through libass
with the language's font stack, and the text rules (capitals, units, direction) each script needs.

One small frame per script: ffmpeg's `ass` filter over a flat colour, so any ink is text."""

from __future__ import annotations

import itertools
import re

import ffmpeg
import pytest
from fontTools.ttLib import TTFont

from shorts_assets import text_rules
from shorts_assets.languages import language
from shorts_assets.media import ass
from shorts_assets.media.captions import build_ass, display_text, split_units
from shorts_assets.media.compose import thumbnail_title
from shorts_assets.media.ffmpeg import run
from shorts_assets.media.fonts import HEAVY, UnreadableText, check_burned_in, font_stack, fonts_dir
from shorts_assets.media.format import OutputFormat
from shorts_assets.media.text_block import layout
from shorts_assets.models import WordTiming
from shorts_assets_tests.media.conftest import count_pixels, frame_rgb

FRAME = OutputFormat(270, 480)
SAMPLES = {
    "en": "Why octopuses have three hearts",
    "vi": "Tiếng Việt có dấu ở mọi chữ",
    "ru": "Осьминог имеет три сердца",
    "el": "Το χταπόδι έχει τρεις καρδιές",
    "ar": "للأخطبوط ثلاثة قلوب",
    "fa": "هشت‌پا سه قلب دارد",
    "ur": "آکٹوپس کے تین دل ہوتے ہیں",
    "he": "לתמנון יש שלושה לבבות",
    "hi": "ऑक्टोपस के तीन दिल होते हैं",
    "bn": "অক্টোপাসের তিনটি হৃদয় আছে",
    "ta": "ஆக்டோபஸுக்கு மூன்று இதயங்கள் உள்ளன",
    "te": "ఆక్టోపస్‌కు మూడు హృదయాలు ఉన్నాయి",
    "th": "ปลาหมึกยักษ์มีหัวใจสามดวง",
    "ka": "რვაფეხას სამი გული აქვს",
    "hy": "Ութոտնուկն ունի երեք սիրտ",
    "ja": "タコには心臓が三つある",
    "zh": "章鱼有三颗心脏",
    "zh-hant": "章魚有三顆心臟",
    "ko": "문어는 심장이 세 개 있다",
}
FONT_CHOSEN = re.compile(r"fontselect: \((.+?), \d+, \d+\) -> (\S+?),")


def timed(text: str) -> list[WordTiming]:
    """One timing per space-separated word, as a voice gives them (a whole phrase where none)."""
    return [WordTiming(word=w, start=i * 0.4, end=i * 0.4 + 0.4, scene=0) for i, w in enumerate(text.split())]


def draw(tmp_path, documents: list[str]) -> tuple[tuple[int, int, bytes], str]:
    """The first frame of `documents` drawn over dark blue, and libass's log."""
    picture = ffmpeg.input(f"color=c=0x203080:s={FRAME.width}x{FRAME.height}:d=0.1", f="lavfi")
    fonts = fonts_dir(documents, tmp_path / "fonts")
    for number, document in enumerate(documents):
        path = tmp_path / f"{number}.ass"
        path.write_text(document, encoding="utf-8")
        picture = picture.filter("ass", filename=str(path), fontsdir=str(fonts))
    png = tmp_path / "frame.png"
    log = run(ffmpeg.output(picture, str(png), **{"frames:v": 1}).global_args("-loglevel", "verbose"), "draw")
    return frame_rgb(png, None, tmp_path / "frame.ppm", FRAME.size), log


def is_white(r, g, b):
    return min(r, g, b) > 200


def is_yellow(r, g, b):
    return r > 190 and g > 160 and b < 100


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_every_script_is_drawn_with_a_bundled_face_that_has_every_glyph(tmp_path, code):
    lang, text = language(code), SAMPLES[code]
    stack = font_stack(lang)
    shown = [display_text(unit.word, lang) for unit in split_units(timed(text), lang)]
    assert all(face is not None for piece in [text, *shown] for face, _ in stack.runs(piece))
    captions = build_ass(timed(text), FRAME, language=lang)
    title = thumbnail_title(text, lang, FRAME)
    check_burned_in(captions)
    frame, log = draw(tmp_path, [captions, title])
    # libass drew each run with the face the stack named, found in the stack's own directory
    chosen = dict(FONT_CHOSEN.findall(log))
    needed = {face.family for piece in [text, *shown] for face, _ in stack.runs(piece)}
    assert needed <= set(chosen) <= {face.family for face in stack.faces}, log
    # ink where the title is (upper middle) and where the caption line is (lower third)
    assert count_pixels(frame, (0.25, 0.55), is_white) > 150
    assert count_pixels(frame, (0.6, 0.75), is_yellow) > 10


def test_a_row_in_a_script_no_bundled_font_has_is_refused_naming_the_characters():
    lang = language("en")
    document = build_ass(timed("bees ⵜⴰⵎⴰⵣⵉⵖⵜ"), FRAME, language=lang, also_burned={"title": ["ᏣᎳᎩ"]})
    with pytest.raises(UnreadableText) as refused:
        check_burned_in(document)
    message = str(refused.value)
    assert "'ⵜ' (U+2D5C, Tifinagh)" in message and "'Ꮳ' (U+13E3, Cherokee)" in message
    assert "remove those characters" in message and "U+0062" not in message


def test_the_stored_document_keeps_the_title_and_cards_it_does_not_show():
    document = build_ass(timed("bees"), FRAME, also_burned={"title": ["WHY {BEES}"], "card": ["Follow!"]})
    assert ass.burned_text(document)[1:] == ["WHY {BEES}", "Follow!"]
    assert [text for _, _, text in ass.parse_dialogue_times(document)][0].endswith("BEES{\\r}")


@pytest.mark.parametrize(
    ("code", "text", "shown"),
    [
        ("tr", "istanbul ılık", "İSTANBUL ILIK"),
        ("de", "straße", "STRASSE"),
        ("el", "καρδιές", "ΚΑΡΔΙΕΣ"),
        ("ka", "გული", "გული"),
        ("ja", "タコ", "タコ"),
    ],
)
def test_captions_are_set_in_capitals_only_as_the_language_writes_them(code, text, shown):
    lang = language(code)
    document = build_ass(timed(text), FRAME, language=lang)
    events = [ass.burned_text(document)[i] for i in range(len(text.split()))]
    assert events[-1] == shown


def test_a_japanese_line_never_breaks_inside_a_unit():
    lang = language("ja")
    text = "タコには心臓が三つあり、血は青く、八本の腕それぞれに脳のような神経の塊がある"
    lines, _ = layout(text, lang, FRAME.width * 0.84, FRAME.height * 0.55, [40, 30, 24])
    units = text_rules.units(text, lang)
    assert "".join(lines) == text and len(lines) > 1
    ends = {len("".join(units[: i + 1])) for i in range(len(units))}
    assert all(len("".join(lines[: i + 1])) in ends for i in range(len(lines)))


def test_a_voice_timed_unspaced_phrase_is_split_into_units_with_ordered_times():
    lang = language("th")
    phrase = WordTiming(word="ปลาหมึกยักษ์มีหัวใจสามดวง", start=1.0, end=3.0, scene=0)
    units = split_units([phrase], lang)
    assert [u.word for u in units] == text_rules.units(phrase.word, lang) and len(units) > 1
    assert units[0].start == 1.0 and units[-1].end == pytest.approx(3.0)
    assert all(a.end == pytest.approx(b.start) and a.start < a.end for a, b in itertools.pairwise(units))


def test_an_arabic_line_reads_right_to_left(tmp_path):
    """The first word spoken is highlighted: in Arabic it is the rightmost word of the line."""
    lang = language("ar")
    document = build_ass(timed(SAMPLES["ar"]), FRAME, language=lang)
    first = "\n".join(line for line in document.splitlines() if not line.startswith("Dialogue:")) + "\n" + next(
        line for line in document.splitlines() if line.startswith("Dialogue:"))
    (width, height, rgb), _ = draw(tmp_path, [first])
    half = width // 2 * 3
    rows = [rgb[y * width * 3: (y + 1) * width * 3] for y in range(height)]
    left = count_pixels((width // 2, height, b"".join(row[:half] for row in rows)), (0.6, 0.75), is_yellow)
    right = count_pixels((width // 2, height, b"".join(row[half:] for row in rows)), (0.6, 0.75), is_yellow)
    assert right > 20 and left == 0, (left, right)


def test_variable_faces_are_drawn_heavy_from_a_small_static_cut_of_the_characters_used(tmp_path):
    """libass draws a variable face at its default instance (Thin, for Noto Sans CJK): the fonts
    directory holds each script face as a static instance at HEAVY weight, cut to the text."""
    lang = language("ja")
    document = build_ass(timed(SAMPLES["ja"]), FRAME, language=lang)
    folder = fonts_dir([document], tmp_path / "fonts")
    [cut] = [path for path in folder.iterdir() if "CJK" in path.name]
    font = TTFont(cut)
    assert "fvar" not in font and font["OS/2"].usWeightClass == HEAVY
    assert {ord(char) for char in SAMPLES["ja"]} <= set(font.getBestCmap())
    assert cut.stat().st_size < 200_000  # the collection is 32 MB
