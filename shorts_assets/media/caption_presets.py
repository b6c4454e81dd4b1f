"""The caption looks a person chooses from, by name, in the row's `caption_preset` column or the
render's config: each a set of ASS styles and the override tags that mark the spoken word.

One table. `captions.build_ass` draws every preset the same way (one Dialogue event per spoken
unit, lines cut to the width) and only asks the preset how the spoken word and the words around
it are tagged, so every preset keeps the shaping, direction and font runs every script needs.
Tags are `string.Template`s: `$highlight` is the highlight colour as an ASS tag colour, `$cs` the
spoken unit's duration in centiseconds (karaoke fills over it).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

KARAOKE_REST_CS = 360_000  # an hour: the words after the spoken one stay unfilled for the event


@dataclass(frozen=True)
class CaptionPreset:
    """How one look differs from the base style (the configured size, colours and outline)."""

    name: str
    look: str  # what a viewer sees, in words (the README, the launchpad's config, errors)
    spoken: str  # tags that open the spoken unit
    spoken_rtl: str | None = None  # instead, in a right-to-left script (None: the same)
    close: str = "{\\r}"  # tags after the spoken unit (back to the line's style)
    opening: str = ""  # tags before the line's first unit
    after: str = ""  # tags before the units after the spoken one
    size: float = 1.0  # of the configured font size
    outline: float = 1.0  # of the base style's outline; 0: none
    shadow: float = 1.0
    lower: bool = False  # small letters, where the script has case; else capitals where the language sets them
    fill: bool = False  # karaoke: the style's primary colour is the filled (highlight) one, secondary the unfilled
    box: bool = False  # a `Box` style exists: an opaque box (BorderStyle 3) in the highlight colour
    under: str | None = None  # tags that open the spoken unit on a layer under the line, the other units hidden
    grow: tuple[float, float, int] | None = None  # the spoken unit's scale: from, to, over milliseconds

    def tags(self, template: str, highlight: str, centis: int = 0) -> str:
        return Template(template).substitute(highlight=highlight, cs=max(1, centis))

    @property
    def widest(self) -> float:
        """How much wider than at rest a line can draw (a grown word, a box's padding): lines are
        cut that much narrower so they never overflow."""
        return max(self.grow[1] if self.grow else 1.0, 1.15 if self.box else 1.0)


PRESETS = {preset.name: preset for preset in (
    CaptionPreset("classic", "white words, the spoken one in the highlight colour",
                  spoken="{\\c$highlight}"),
    # libass's \kf always fills left to right, against the reading of Arabic and Hebrew (libass
    # issues 221 and 406: by design, for compatibility); there each word turns at once (\k).
    CaptionPreset("karaoke", "each word fills with the highlight colour as it is spoken (turns at once where "
                  "the script is written right to left)",
                  spoken="{\\kf$cs}", spoken_rtl="{\\k$cs}", close="", opening="{\\k0}",
                  after=f"{{\\k{KARAOKE_REST_CS}}}", fill=True),
    CaptionPreset("pop", "the spoken word pops in: it grows from 80 % to 125 % in the highlight colour",
                  spoken="{\\c$highlight}", grow=(0.8, 1.25, 120)),
    # libass makes a box as tall as its face's line: for faces with tall marks (Arabic, Devanagari)
    # far taller than the letters. So the box is drawn on a layer of its own, clipped to the caption
    # face's line (`captions.build_ass`), and the letters over it with the box transparent.
    CaptionPreset("boxed", "the spoken word in dark letters on a box of the highlight colour",
                  spoken="{\\rBox\\3a&HFF&}", under="{\\rBox\\1a&HFF&}", box=True),
    CaptionPreset("minimal", "small letters, smaller, no outline, a soft shadow; the spoken word highlighted",
                  spoken="{\\c$highlight}", size=0.75, outline=0.0, shadow=1.5, lower=True),
)}
DEFAULT_PRESET = "classic"


class UnknownPreset(ValueError):
    """A caption preset name the table does not have."""


def preset(name: str) -> CaptionPreset:
    """The table's preset called `name` (any case, spaces around ignored)."""
    found = PRESETS.get(name.strip().lower())
    if found is None:
        raise UnknownPreset(f"caption_preset {name!r} is not a caption preset; choose one of {', '.join(PRESETS)}")
    return found
