"""ASS documents as the factory writes them for libass: captions, text cards, the thumbnail title.

All burned-in text goes through libass, so every script is shaped (HarfBuzz) and ordered
(FriBidi) the same way. A document names its language in `[Script Info]` (libass hands it to
the shaper) and keeps every text it burns in as an event, captions as `Dialogue` and what the
footage or the thumbnail draw as `Comment`, so the stored file alone says what a viewer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shorts_assets.languages import Language, language

_FORMAT = (
    "Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
    "Alignment, MarginL, MarginR, MarginV, Encoding"
)


@dataclass(frozen=True)
class Style:
    """One ASS style. Colours are `&HAABBGGRR` (see `colour`); bold asks libass to embolden
    faces lighter than bold, as the Noto faces at their default weight are. `secondary` is the
    colour karaoke fills from (the primary by default); border style 3 draws an opaque box in the
    outline colour, `outline` pixels around the text, instead of an outline."""

    font: str
    size: int
    primary: str
    outline_colour: str
    back_colour: str
    outline: float
    shadow: float
    alignment: int = 2  # numpad layout: 2 bottom centre, 5 middle centre
    margin_l: int = 0
    margin_r: int = 0
    margin_v: int = 0
    name: str = "Default"
    secondary: str | None = None
    border_style: int = 1

    def line(self, direction: Language) -> str:
        # Encoding -1 makes libass find the paragraph direction from the text (right to left
        # for Arabic and Hebrew) instead of assuming left to right.
        fields = [
            self.name, self.font, self.size, self.primary, self.secondary or self.primary, self.outline_colour,
            self.back_colour, -1, 0, 0, 0, 100, 100, 0, 0, self.border_style, self.outline, self.shadow,
            self.alignment, self.margin_l, self.margin_r, self.margin_v, -1 if direction.rtl else 1,
        ]
        return "Style: " + ",".join(str(field) for field in fields)


def document(width: int, height: int, lang: Language, styles: list[Style], events: list[str]) -> str:
    """A whole document for a `width` x `height` frame. Lines are cut by the caller (between
    units); libass breaks one only at a space, and only if it overflows anyway."""
    return (
        "[Script Info]\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\n"
        f"PlayResY: {height}\n"
        "WrapStyle: 0\n"
        "ScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: None\n"
        f"Language: {lang.code}\n"
        "\n"
        "[V4+ Styles]\n"
        f"Format: {_FORMAT}\n"
        + "".join(style.line(lang) + "\n" for style in styles)
        + "\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        + "".join(event + "\n" for event in events)
    )


def dialogue(start: float, end: float, text: str, style: str = "Default", layer: int = 0) -> str:
    """An event; a higher `layer` is drawn over a lower one shown at the same time."""
    return f"Dialogue: {layer},{time(start)},{time(end)},{style},,0,0,0,,{text}"


def comment(name: str, text: str) -> str:
    """Text drawn elsewhere (a card, the thumbnail), kept so the document says all that is burned in."""
    return f"Comment: 0,{time(0)},{time(0)},Default,{name},0,0,0,,{escape(text)}"


def escape(text: str) -> str:
    """`text` unable to inject ASS tags: libass reads `\\{` and `\\}` as literal braces, and a
    zero-width space after a backslash stops it from starting `\\N`, `\\h` or an escaped brace.
    Whitespace (a newline could start a new event) collapses to single spaces."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\u200b").replace("{", "\\{").replace("}", "\\}")


def colour(rgb: str, alpha: int | None = None) -> str:
    """ASS writes colours as blue-green-red: `&HBBGGRR&` in tags, `&HAABBGGRR` in styles
    (alpha 0 opaque, 255 transparent)."""
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
        raise ValueError(f"colour must be six hex digits RRGGBB: {rgb!r}")
    bgr = (rgb[4:6] + rgb[2:4] + rgb[0:2]).upper()
    return f"&H{alpha:02X}{bgr}" if alpha is not None else f"&H{bgr}&"


def time(seconds: float) -> str:
    """ASS timestamp `H:MM:SS.cc` (centiseconds)."""
    centis = max(0, round(seconds * 100))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    secs, centis = divmod(centis, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def parse_dialogue_times(ass_text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of every Dialogue event, in document order."""
    return [(_seconds(start), _seconds(end), text) for kind, start, end, text in _events(ass_text)
            if kind == "Dialogue"]


def burned_text(ass_text: str) -> list[str]:
    """The plain text of every event (Dialogue and Comment): override tags removed, escapes undone."""
    return [plain(text) for _, _, _, text in _events(ass_text)]


def script_info(ass_text: str, key: str) -> str:
    """A `[Script Info]` value (PlayResX, Language...); raises ValueError when the document has none."""
    found = re.search(rf"^{re.escape(key)}:\s*(.*?)\s*$", ass_text, re.MULTILINE)
    if found is None:
        raise ValueError(f"the ASS document sets no {key}")
    return found.group(1)


def retimed(ass_text: str, spans: list[tuple[float, float]]) -> str:
    """The document with its Dialogue events, in order, moved to `spans` (start, end in seconds)."""
    times = iter(spans)

    def move(line: str) -> str:
        if not line.startswith("Dialogue:"):
            return line
        start, end = next(times)
        fields = line.split(",", 9)
        fields[1:3] = [time(start), time(end)]
        return ",".join(fields)

    return "".join(move(line) + "\n" for line in ass_text.splitlines())


def document_language(ass_text: str) -> Language:
    """The language a document names in `[Script Info]` (English if it names none)."""
    try:
        code = script_info(ass_text, "Language")
    except ValueError:  # no Language line
        code = ""
    return language(code)


def _events(ass_text: str) -> list[tuple[str, str, str, str]]:
    events = []
    for line in ass_text.splitlines():
        kind, _, rest = line.partition(":")
        if kind in ("Dialogue", "Comment"):
            fields = rest.split(",", 9)
            events.append((kind, fields[1], fields[2], fields[9]))
    return events


def plain(text: str) -> str:
    """An event's text as read: override tags removed, escapes undone."""
    text = re.sub(r"\\[{}]|\{[^}]*\}", lambda m: m[0][1] if m[0].startswith("\\") else "", text)
    return re.sub(r"\\[Nnh]", " ", text)


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
