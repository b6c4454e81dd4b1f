"""Word-by-word captions as an ASS document for ffmpeg's `ass` filter (libass).

Words are shown a few at a time with the spoken one highlighted: one Dialogue event per
word, so every caption change lands exactly on a word's timing. The font comes from the
`font-roboto` package, because a fresh machine may have no font libass can find.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from shorts_assets.media.ffmpeg import MediaError
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.models import WordTiming

FONT_FAMILY = "Roboto Black"  # the legacy family name of Roboto-Black.ttf; libass matches it
FONT_FILE = "Roboto-Black.ttf"
REFERENCE_HEIGHT = PRODUCTION.height  # a style's sizes are pixels of the production frame
_PUNCTUATION = string.punctuation + "“”‘’«»…—–¿¡"


@dataclass(frozen=True)
class CaptionFont:
    """Where libass (`fontsdir`) and drawtext (`file`) find the caption face, and its name."""

    fontsdir: Path
    family: str
    file: Path


@dataclass(frozen=True)
class CaptionStyle:
    """Look of the captions. Sizes are pixels on a 1920-high frame and scale with the height.

    Colours are RGB hex, as a designer writes them.
    """

    font: str = FONT_FAMILY
    font_size: int = 96
    outline: float = 7
    shadow: float = 2
    text_rgb: str = "FFFFFF"
    highlight_rgb: str = "FFE500"
    outline_rgb: str = "000000"
    words_per_line: int = 3
    max_pause_s: float = 0.6
    margin_v: float = 0.30  # fraction of the height between the frame bottom and the text
    margin_h: int = 60


def caption_font() -> CaptionFont:
    """The Roboto Black face shipped by `font-roboto`; fail loudly rather than render without it."""
    try:
        import font_roboto
    except ImportError as err:
        raise MediaError(
            "captions need a font and none is installed: `pip install font-roboto`"
        ) from err
    fontsdir = Path(font_roboto.font_directory)
    if not (fontsdir / FONT_FILE).is_file():
        raise MediaError(
            f"captions need a font: {FONT_FILE} is missing from {fontsdir}; "
            "reinstall it with `pip install --force-reinstall font-roboto`"
        )
    return CaptionFont(fontsdir=fontsdir, family=FONT_FAMILY, file=fontsdir / FONT_FILE)


def build_ass(
    words: list[WordTiming],
    fmt: OutputFormat = PRODUCTION,
    style: CaptionStyle = CaptionStyle(),
) -> str:
    """An ASS document for a frame of `fmt`'s size: one Dialogue event per word, the spoken one
    highlighted."""
    lines = group_lines(words, style)
    following = [line[0].start for line in lines[1:]] + [None]
    events = [
        _dialogue(start, end, _line_text(line, index, style))
        for line, next_start in zip(lines, following, strict=True)
        for index, (start, end) in enumerate(_word_spans(line, next_start, style.max_pause_s))
    ]
    return _header(fmt.width, fmt.height, style) + "\n".join(events) + "\n"


def group_lines(
    words: list[WordTiming], style: CaptionStyle = CaptionStyle()
) -> list[list[WordTiming]]:
    """Short lines of words, never across a scene change or a pause longer than max_pause_s."""
    lines: list[list[WordTiming]] = []
    for word in words:
        last = lines[-1][-1] if lines else None
        if (
            last is None
            or len(lines[-1]) >= style.words_per_line
            or word.scene != last.scene
            or word.start - last.end > style.max_pause_s
        ):
            lines.append([word])
        else:
            lines[-1].append(word)
    return lines


def ass_time(seconds: float) -> str:
    """ASS timestamp `H:MM:SS.cc` (centiseconds)."""
    centis = max(0, round(seconds * 100))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    secs, centis = divmod(centis, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def parse_dialogue_times(ass_text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of every Dialogue event, in document order."""
    events = []
    for line in ass_text.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(":", 1)[1].split(",", 9)
            events.append((_seconds(fields[1]), _seconds(fields[2]), fields[9]))
    return events


def display_word(word: str) -> str:
    """How a word is shown: upper case, no surrounding punctuation, unable to inject ASS tags.

    libass reads `\\{` and `\\}` as literal braces; a zero-width space after a backslash stops
    it from starting `\\N`, `\\h` or an escaped brace. Whitespace (a newline could start a
    new event) collapses to single spaces.
    """
    text = " ".join(word.split())
    text = (text.strip(_PUNCTUATION) or text).upper()
    return text.replace("\\", "\\\u200b").replace("{", "\\{").replace("}", "\\}")


def _word_spans(line: list[WordTiming], next_start: float | None, hold_s: float) -> list[tuple[float, float]]:
    """Each word holds the line until the next word starts; the last one until it ends, or
    across a short pause until the next line starts, so captions never blink off mid-sentence."""
    last_end = line[-1].end
    if next_start is not None and 0 <= next_start - last_end <= hold_s:
        last_end = next_start
    ends = [word.start for word in line[1:]] + [last_end]
    return [(word.start, end) for word, end in zip(line, ends, strict=True)]


def _line_text(line: list[WordTiming], spoken: int, style: CaptionStyle) -> str:
    shown = [display_word(word.word) for word in line]
    shown[spoken] = f"{{\\c{_ass_colour(style.highlight_rgb)}}}{shown[spoken]}{{\\r}}"
    return " ".join(shown)


def _dialogue(start: float, end: float, text: str) -> str:
    return f"Dialogue: 0,{ass_time(start)},{ass_time(end)},Default,,0,0,0,,{text}"


def _header(width: int, height: int, style: CaptionStyle) -> str:
    scale = height / REFERENCE_HEIGHT
    fields = [
        "Default", style.font, round(style.font_size * scale),
        _ass_colour(style.text_rgb, alpha=True), _ass_colour(style.text_rgb, alpha=True),
        _ass_colour(style.outline_rgb, alpha=True), "&H80000000",
        -1, 0, 0, 0, 100, 100, 0, 0, 1,
        round(style.outline * scale, 1), round(style.shadow * scale, 1), 2,
        round(style.margin_h * scale), round(style.margin_h * scale),
        round(style.margin_v * height), 1,
    ]
    return (
        "[Script Info]\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\n"
        f"PlayResY: {height}\n"
        "WrapStyle: 0\n"
        "ScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: None\n"
        "\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {','.join(str(field) for field in fields)}\n"
        "\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )


def _ass_colour(rgb: str, alpha: bool = False) -> str:
    """ASS writes colours as blue-green-red: `&HBBGGRR&` in tags, `&HAABBGGRR` in styles."""
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
        raise ValueError(f"colour must be six hex digits RRGGBB: {rgb!r}")
    bgr = (rgb[4:6] + rgb[2:4] + rgb[0:2]).upper()
    return f"&H00{bgr}" if alpha else f"&H{bgr}&"


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
