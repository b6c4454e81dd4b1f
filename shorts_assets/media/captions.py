"""Word-by-word captions as an ASS document for ffmpeg's `ass` filter (libass).

Units (words, or phrases where a script writes no spaces) are shown a few at a time with the
spoken one highlighted: one Dialogue event per unit, so every caption change lands exactly on
its timing. Lines are cut here, between units and to the measured width, so no line ever
breaks inside a unit; each run of text names the face of the language's font stack that has it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from shorts_assets import text_rules
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.media import ass
from shorts_assets.media.fonts import font_stack
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.models import WordTiming

REFERENCE_HEIGHT = PRODUCTION.height  # a style's sizes are pixels of the production frame
_PUNCTUATION = string.punctuation + "“”‘’«»…—–¿¡。、，．！？：；「」『』،؛؟।॥"


@dataclass(frozen=True)
class CaptionStyle:
    """Look of the captions. Sizes are pixels on a 1920-high frame and scale with the height.

    Colours are RGB hex, as a designer writes them.
    """

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


def build_ass(
    words: list[WordTiming],
    fmt: OutputFormat = PRODUCTION,
    style: CaptionStyle = CaptionStyle(),
    *,
    language: Language = DEFAULT,
    also_burned: dict[str, list[str]] | None = None,
) -> str:
    """An ASS document for a frame of `fmt`'s size: one Dialogue event per unit, the spoken one
    highlighted. `also_burned` (name -> texts: the thumbnail title, the cards) is kept as
    Comment events, so the stored document holds all the text a viewer reads."""
    lines = group_lines(split_units(words, language), language, fmt, style)
    following = [line[0].start for line in lines[1:]] + [None]
    events = [
        ass.dialogue(start, end, _line_text(line, index, style, language))
        for line, next_start in zip(lines, following, strict=True)
        for index, (start, end) in enumerate(_word_spans(line, next_start, style.max_pause_s))
    ]
    events += [ass.comment(name, text) for name, texts in (also_burned or {}).items() for text in texts]
    return ass.document(fmt.width, fmt.height, language, [_style(fmt, style, language)], events)


def split_units(words: list[WordTiming], language: Language) -> list[WordTiming]:
    """Each timed word cut into its caption units, its time shared out by their length in
    characters: a voice may time a whole unspaced phrase as one word."""
    out: list[WordTiming] = []
    for word in words:
        parts = text_rules.units(word.word, language) or [word.word]
        total, done = sum(len(part) for part in parts), 0
        for part in parts:
            start = word.start + (word.end - word.start) * done / total
            done += len(part)
            end = word.start + (word.end - word.start) * done / total
            out.append(word.model_copy(update={"word": part, "start": start, "end": end}))
    return out


def group_lines(
    words: list[WordTiming], language: Language = DEFAULT, fmt: OutputFormat = PRODUCTION,
    style: CaptionStyle = CaptionStyle(),
) -> list[list[WordTiming]]:
    """Short lines of units that fit the frame's width, never across a scene change or a pause
    longer than max_pause_s."""
    stack, size = font_stack(language), style.font_size * fmt.height / REFERENCE_HEIGHT
    usable = fmt.width - 2 * style.margin_h * fmt.height / REFERENCE_HEIGHT
    lines: list[list[WordTiming]] = []
    for word in words:
        last = lines[-1][-1] if lines else None
        if (
            last is None
            or len(lines[-1]) >= style.words_per_line
            or word.scene != last.scene
            or word.start - last.end > style.max_pause_s
            or stack.width(_joined([*lines[-1], word], language), size) > usable
        ):
            lines.append([word])
        else:
            lines[-1].append(word)
    return lines


def _joined(line: list[WordTiming], language: Language) -> str:
    return text_rules.join_units([display_text(word.word, language) for word in line], language)


def display_text(word: str, language: Language = DEFAULT) -> str:
    """How a unit reads on screen: no surrounding punctuation, in capitals where the language
    sets captions so."""
    text = " ".join(word.split())
    return text_rules.caption_case(text.strip(_PUNCTUATION) or text, language)


def display_word(word: str, language: Language = DEFAULT) -> str:
    """`display_text`, escaped so it cannot inject ASS tags (see `ass.escape`)."""
    return ass.escape(display_text(word, language))


def _word_spans(line: list[WordTiming], next_start: float | None, hold_s: float) -> list[tuple[float, float]]:
    """Each word holds the line until the next word starts; the last one until it ends, or
    across a short pause until the next line starts, so captions never blink off mid-sentence."""
    last_end = line[-1].end
    if next_start is not None and 0 <= next_start - last_end <= hold_s:
        last_end = next_start
    ends = [word.start for word in line[1:]] + [last_end]
    return [(word.start, end) for word, end in zip(line, ends, strict=True)]


def _line_text(line: list[WordTiming], spoken: int, style: CaptionStyle, language: Language) -> str:
    stack = font_stack(language)
    texts = [display_text(word.word, language) for word in line]
    shown = [stack.markup(ass.escape(text)) for text in texts]
    shown[spoken] = f"{{\\c{ass.colour(style.highlight_rgb)}}}{shown[spoken]}{{\\r}}"
    gaps = ["", *(text_rules.separator(left, right, language) for left, right in zip(texts, texts[1:], strict=False))]
    return "".join(gap + text for gap, text in zip(gaps, shown, strict=True))


def _style(fmt: OutputFormat, style: CaptionStyle, language: Language) -> ass.Style:
    scale = fmt.height / REFERENCE_HEIGHT
    return ass.Style(
        font=font_stack(language).faces[0].family, size=round(style.font_size * scale),
        primary=ass.colour(style.text_rgb, alpha=0), outline_colour=ass.colour(style.outline_rgb, alpha=0),
        back_colour="&H80000000", outline=round(style.outline * scale, 1), shadow=round(style.shadow * scale, 1),
        alignment=2, margin_h=round(style.margin_h * scale), margin_v=round(style.margin_v * fmt.height),
    )
