"""Word-by-word captions as an ASS document for ffmpeg's `ass` filter (libass).

Units (words, or phrases where a script writes no spaces) are shown a few at a time with the
spoken one marked as the style's preset says (`caption_presets`: highlighted, filled, popped,
boxed): one Dialogue event per unit, so every caption change lands exactly on its timing. Lines
are cut here, between units and to the measured width, so no line ever breaks inside a unit;
each run of text names the face of the language's font stack that has it. The lines sit inside
the format's safe area, clear of the platforms' buttons.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

from shorts_assets import text_rules
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.media import ass
from shorts_assets.media.caption_presets import DEFAULT_PRESET, CaptionPreset, preset
from shorts_assets.media.fonts import font_stack
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.models import WordTiming

REFERENCE_HEIGHT = PRODUCTION.height  # a style's sizes are pixels of the production frame
DEFAULT_MARGIN_V = 0.30  # the captions' height above the frame's bottom, unless the safe area needs more
_PUNCTUATION = string.punctuation + "“”‘’«»…—–¿¡。、，．！？：；「」『』،؛؟।॥"


@dataclass(frozen=True)
class CaptionStyle:
    """Look of the captions. Sizes are pixels on a 1920-high frame and scale with the height.

    Colours are RGB hex, as a designer writes them. `preset` names the look in `caption_presets`.
    `margin_v` (a fraction of the height between the frame's bottom and the text), when None, is
    DEFAULT_MARGIN_V raised above the format's safe area; the sides always keep clear of it.
    """

    preset: str = DEFAULT_PRESET
    font_size: int = 96
    outline: float = 7
    shadow: float = 2
    text_rgb: str = "FFFFFF"
    highlight_rgb: str = "FFE500"
    outline_rgb: str = "000000"
    words_per_line: int = 3
    max_pause_s: float = 0.6
    margin_v: float | None = None
    margin_h: int = 60

    @property
    def look(self) -> CaptionPreset:
        return preset(self.preset)


def build_ass(
    words: list[WordTiming],
    fmt: OutputFormat = PRODUCTION,
    style: CaptionStyle = CaptionStyle(),
    *,
    language: Language = DEFAULT,
    also_burned: dict[str, list[str]] | None = None,
) -> str:
    """An ASS document for a frame of `fmt`'s size: one Dialogue event per unit, the spoken one
    marked as the style's preset says. `also_burned` (name -> texts: the thumbnail title, the cards) is kept as
    Comment events, so the stored document holds all the text a viewer reads."""
    lines = group_lines(split_units(words, language), language, fmt, style)
    following = [line[0].start for line in lines[1:]] + [None]
    under = style.look.under is not None
    events = [
        event
        for line, next_start in zip(lines, following, strict=True)
        for index, (start, end) in enumerate(_word_spans(line, next_start, style.max_pause_s))
        for event in (
            *([ass.dialogue(start, end, _under_text(line, index, fmt, style, language))] if under else []),
            ass.dialogue(start, end, _line_text(line, index, style, language), layer=int(under)),
        )
    ]
    events += [ass.comment(name, text) for name, texts in (also_burned or {}).items() for text in texts]
    return ass.document(fmt.width, fmt.height, language, _styles(fmt, style, language), events)


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
    stack, look = font_stack(language), style.look
    size = style.font_size * look.size * fmt.height / REFERENCE_HEIGHT
    left, right, _ = _margins(fmt, style)
    usable = (fmt.width - left - right) / look.widest
    lines: list[list[WordTiming]] = []
    for word in words:
        last = lines[-1][-1] if lines else None
        if (
            last is None
            or len(lines[-1]) >= style.words_per_line
            or word.scene != last.scene
            or word.start - last.end > style.max_pause_s
            or stack.width(_joined([*lines[-1], word], language, look.lower), size) > usable
        ):
            lines.append([word])
        else:
            lines[-1].append(word)
    return lines


def _joined(line: list[WordTiming], language: Language, lower: bool = False) -> str:
    return text_rules.join_units([display_text(word.word, language, lower) for word in line], language)


def display_text(word: str, language: Language = DEFAULT, lower: bool = False) -> str:
    """How a unit reads on screen: no surrounding punctuation, in capitals where the language
    sets captions so, or with `lower` in small letters where the script has case."""
    text = " ".join(word.split())
    text = text.strip(_PUNCTUATION) or text
    return text_rules.lower_case(text, language) if lower else text_rules.caption_case(text, language)


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
    """The line's units with the preset's tags: the line's opening, the spoken unit's, and the
    tags of the units after it."""
    stack, look = font_stack(language), style.look
    texts = [display_text(word.word, language, look.lower) for word in line]
    word = line[spoken]
    template = look.spoken_rtl if language.rtl and look.spoken_rtl else look.spoken
    tags = look.tags(template, ass.colour(style.highlight_rgb), round((word.end - word.start) * 100))
    shown = [stack.markup(ass.escape(text), look.grow if index == spoken else None) for index, text in enumerate(texts)]
    shown[spoken] = f"{tags}{shown[spoken]}{look.close}"
    if spoken + 1 < len(shown):
        shown[spoken + 1] = look.after + shown[spoken + 1]
    return look.opening + _set(texts, shown, language)


def _set(texts: list[str], shown: list[str], language: Language) -> str:
    """The units as `shown` (tagged), with the separators their `texts` call for between them."""
    gaps = ["", *(text_rules.separator(left, right, language) for left, right in zip(texts, texts[1:], strict=False))]
    return "".join(gap + text for gap, text in zip(gaps, shown, strict=True))


def _under_text(line: list[WordTiming], spoken: int, fmt: OutputFormat, style: CaptionStyle,
                language: Language) -> str:
    """The layer under a line: only the spoken unit's `under` tags drawn (a box), clipped to the
    band the caption face's line takes, as libass sets the line on the baseline of its runs."""
    stack, look = font_stack(language), style.look
    base, size = stack.faces[0], round(style.font_size * look.size * fmt.height / REFERENCE_HEIGHT)
    faces = {face or base for face, _ in stack.runs(_joined(line, language, look.lower))}
    baseline = fmt.height - _margins(fmt, style)[2] - max(face.descent_em for face in faces) * size / base.line_em
    pad = _box_pad(style) * fmt.height / REFERENCE_HEIGHT + 1
    top = baseline - base.ascent_em * size / base.line_em - pad
    bottom = baseline + base.descent_em * size / base.line_em + pad
    texts = [display_text(word.word, language, look.lower) for word in line]
    shown = [stack.markup(ass.escape(text)) for text in texts]
    shown[spoken] = f"{look.under}{shown[spoken]}{{\\r\\alpha&HFF&}}"
    clip = f"{{\\clip(0,{round(top)},{fmt.width},{round(bottom)})\\alpha&HFF&}}"
    return clip + _set(texts, shown, language)


def _margins(fmt: OutputFormat, style: CaptionStyle) -> tuple[int, int, int]:
    """Left, right and bottom margins in pixels: the style's, and at least the safe area plus what
    an outline, a shadow or a box draws around the letters."""
    scale, look, area = fmt.height / REFERENCE_HEIGHT, style.look, fmt.safe_area
    pad = (style.outline * look.outline + style.shadow * look.shadow + (_box_pad(style) if look.box else 0)) * scale
    side = style.margin_h * scale
    left, right = max(side, area.left * fmt.width + pad), max(side, area.right * fmt.width + pad)
    bottom = style.margin_v if style.margin_v is not None else max(DEFAULT_MARGIN_V, area.bottom)
    return round(left), round(right), round(bottom * fmt.height + (pad if style.margin_v is None else 0))


def _box_pad(style: CaptionStyle) -> float:
    """How far the box reaches beyond the letters, in pixels of the reference frame."""
    return 0.12 * style.font_size


def _styles(fmt: OutputFormat, style: CaptionStyle, language: Language) -> list[ass.Style]:
    """The line's style and, for a boxed preset, the spoken unit's (`Box`)."""
    scale, look = fmt.height / REFERENCE_HEIGHT, style.look
    left, right, bottom = _margins(fmt, style)
    text, highlight = ass.colour(style.text_rgb, alpha=0), ass.colour(style.highlight_rgb, alpha=0)
    base = ass.Style(
        font=font_stack(language).faces[0].family, size=round(style.font_size * look.size * scale),
        primary=highlight if look.fill else text, secondary=text if look.fill else None,
        outline_colour=ass.colour(style.outline_rgb, alpha=0), back_colour="&H80000000",
        outline=round(style.outline * look.outline * scale, 1), shadow=round(style.shadow * look.shadow * scale, 1),
        alignment=2, margin_l=left, margin_r=right, margin_v=bottom,
    )
    if not look.box:
        return [base]
    box = replace(base, name="Box", primary=ass.colour(style.outline_rgb, alpha=0), outline_colour=highlight,
                  outline=round(_box_pad(style) * scale, 1), shadow=0, border_style=3)
    return [base, box]
