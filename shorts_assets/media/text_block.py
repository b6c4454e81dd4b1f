"""A block of large centred text, a title or call-to-action card or the thumbnail title, as an
ASS document for ffmpeg's `ass` filter, so it is shaped and ordered like the captions.

Lines are cut here from the fonts' advance widths, only between the language's units (words,
or BudouX phrases where a script writes no spaces); a unit wider than a line is cut between
its grapheme clusters only at the smallest size.
"""

from __future__ import annotations

from shorts_assets import text_rules
from shorts_assets.languages import Language
from shorts_assets.media import ass
from shorts_assets.media.fonts import FontStack, clusters, font_stack

LINE_HEIGHT = 1.25  # of the font size


def layout(text: str, language: Language, width: float, height: float, sizes: list[int]) -> tuple[list[str], int]:
    """Lines and font size: the largest of `sizes` at which `text` fits `width` x `height`."""
    stack = font_stack(language)
    units = text_rules.units(text, language, spaces=True) or [""]
    for size in sizes:
        lines = _fill(units, language, stack, size, width)
        if max(stack.width(line, size) for line in lines) <= width and len(lines) * size * LINE_HEIGHT <= height:
            return lines, size
    size = sizes[-1]
    pieces = [piece for unit in units for piece in _cut(unit, stack, size, width)]
    return _fill(pieces, language, stack, size, width), size


def document(
    lines: list[str], size: int, language: Language, frame: tuple[int, int], centre_y: float,
    seconds: float, fade_s: float = 0.0, centre_x: float | None = None,
) -> str:
    """The lines centred on (`centre_x`, by default the frame's middle, `centre_y`), white with a
    dark edge and shadow, shown for `seconds` and fading in over `fade_s`."""
    width, height = frame
    stack = font_stack(language)
    style = ass.Style(
        font=stack.faces[0].family, size=size, primary=ass.colour("FFFFFF", alpha=0),
        outline_colour=ass.colour("000000", alpha=0x66), back_colour=ass.colour("000000", alpha=0x80),
        outline=max(2, size // 14), shadow=max(2, size // 16), alignment=5,
    )
    fade = f"\\fad({round(fade_s * 1000)},0)" if fade_s else ""
    text = "\\N".join(stack.markup(ass.escape(line)) for line in lines)
    x = round(width / 2 if centre_x is None else centre_x)
    event = ass.dialogue(0, seconds, f"{{\\pos({x},{round(centre_y)}){fade}}}{text}")
    return ass.document(width, height, language, [style], [event])


def _fill(units: list[str], language: Language, stack: FontStack, size: int, width: float) -> list[str]:
    lines: list[str] = []
    for unit in units:
        joined = lines[-1] + text_rules.separator(lines[-1], unit, language) + unit if lines else ""
        if lines and stack.width(joined.rstrip(), size) <= width:
            lines[-1] = joined
        else:
            lines.append(unit)
    return [line.rstrip() for line in lines]


def _cut(unit: str, stack: FontStack, size: int, width: float) -> list[str]:
    """A unit too wide for a line, cut between grapheme clusters."""
    pieces = [""]
    for cluster in clusters(unit):
        if pieces[-1] and stack.width(pieces[-1] + cluster, size) > width:
            pieces.append("")
        pieces[-1] += cluster
    return pieces
