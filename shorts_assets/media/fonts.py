"""The fonts burned-in text is drawn with, per language, and the check that no character is a box.

A stack per script: the caption face (Roboto Black) wherever it has the characters, the
script's Noto face behind it, then Noto Sans for Latin, Greek and Cyrillic it lacks and Noto
Emoji. Each
grapheme cluster (a base with its marks and joiners) is drawn by the first face that has all
of it, so text is cut into runs, each marked `{\\fnFamily}` for libass. A character no face
has would be drawn as an empty box; `FontStack.check` refuses it before anything is rendered.

All faces come from pip packages (`font-roboto`, `manimgx-fonts`, `manimgx-fonts-cjk`):
a fresh machine needs no system font. The Noto faces are variable; each render gets them as
static heavy instances cut to its text (`fonts_dir`). Character maps and advance widths are read with
fontTools once per process, and the 32 MB CJK collection only for a language that needs it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import font_roboto
import manimgx_fonts
import manimgx_fonts_cjk
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.unicodedata import script, script_name
from fontTools.varLib import instancer

from shorts_assets.languages import Language
from shorts_assets.media.ass import burned_text, document_language

_NOTO = Path(manimgx_fonts.__file__).parent
_CJK = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
_SCRIPT_FILES = {
    "Arab": "NotoSansArabic[wght].ttf", "Armn": "NotoSansArmenian[wght].ttf",
    "Beng": "NotoSansBengali[wght].ttf", "Deva": "NotoSansDevanagari[wght].ttf",
    "Ethi": "NotoSansEthiopic[wght].ttf", "Geor": "NotoSansGeorgian[wght].ttf",
    "Gujr": "NotoSansGujarati[wght].ttf", "Guru": "NotoSansGurmukhi[wght].ttf",
    "Hebr": "NotoSansHebrew[wght].ttf", "Knda": "NotoSansKannada[wght].ttf",
    "Khmr": "NotoSansKhmer[wght].ttf", "Laoo": "NotoSansLao[wght].ttf",
    "Mlym": "NotoSansMalayalam[wght].ttf", "Mymr": "NotoSansMyanmar[wght].ttf",
    "Orya": "NotoSansOriya[wght].ttf", "Sinh": "NotoSansSinhala[wght].ttf",
    "Taml": "NotoSansTamil[wght].ttf", "Telu": "NotoSansTelugu[wght].ttf",
    "Thai": "NotoSansThai[wght].ttf",
}
# The faces of the CJK collection, in its order: the regional glyph forms differ.
_CJK_FACES = {"Jpan": 0, "Kore": 1, "Hans": 2, "Hant": 3}
_ZWJ = "\u200d"
# Shaping and the heavy weight draw a little wider than the sum of the default weight's advances.
WIDTH_MARGIN = 1.08
# The weight variable faces are drawn at, near the caption face's Black: libass draws a variable
# face at its default instance (Thin for Noto Sans CJK) and its synthetic bold stays light.
HEAVY = 800


class UnreadableText(ValueError):
    """Text holds characters no bundled font can draw: burned in, they would be empty boxes."""


@dataclass(frozen=True)
class Face:
    """One face of a font file (a collection holds several)."""

    path: Path
    index: int = 0

    @cached_property
    def _font(self) -> TTFont:
        return _open(self.path, self.index)

    @cached_property
    def family(self) -> str:
        """The family name libass matches (name ID 1, as Windows reads it)."""
        return self._font["name"].getName(1, 3, 1, 0x409).toUnicode()

    @cached_property
    def cmap(self) -> dict[int, str]:
        return self._font.getBestCmap()

    @cached_property
    def _advances(self) -> tuple[dict[str, tuple[int, int]], int]:
        return self._font["hmtx"].metrics, self._font["head"].unitsPerEm

    @cached_property
    def line_em(self) -> float:
        """The face's Windows line height in em: libass sizes a face by it, so a face with tall
        marks (Arabic, Devanagari) is drawn with a smaller em at the same font size."""
        return self.ascent_em + self.descent_em

    @cached_property
    def ascent_em(self) -> float:
        """How far libass sets a line's top above the baseline (the Windows ascent), in em."""
        return self._font["OS/2"].usWinAscent / self._font["head"].unitsPerEm

    @cached_property
    def descent_em(self) -> float:
        """How far libass sets a line's bottom below the baseline (the Windows descent), in em."""
        return self._font["OS/2"].usWinDescent / self._font["head"].unitsPerEm

    def place(self, chars: set[str], folder: Path) -> Path:
        """This face in `folder` for drawing `chars`: linked as it is, or, if it is variable, made
        static at HEAVY weight and cut down to `chars` and the glyphs shaping turns them into
        (a second for the 32 MB CJK collection, where the whole would take minutes)."""
        if "fvar" not in self._font:
            target = folder / self.path.name
            target.symlink_to(self.path)
            return target
        font = TTFont(self.path, fontNumber=self.index)  # a copy of our own: cutting changes it
        options = subset.Options(layout_features=["*"], name_IDs=["*"], name_languages=["*"], notdef_outline=True)
        cutter = subset.Subsetter(options)
        cutter.populate(text="".join(chars))
        cutter.subset(font)
        [axis] = [axis for axis in font["fvar"].axes if axis.axisTag == "wght"]
        instancer.instantiateVariableFont(font, {"wght": min(max(HEAVY, axis.minValue), axis.maxValue)}, inplace=True)
        target = folder / f"{self.path.name.split('.')[0]}-{self.index}{'.otf' if 'CFF2' in font else '.ttf'}"
        font.save(target)
        return target

    def covers(self, cluster: str) -> bool:
        return all(ord(char) in self.cmap for char in cluster if not _ignorable(char))

    def width_em(self, text: str) -> float:
        """The sum of the characters' advances, in em."""
        metrics, per_em = self._advances
        return sum(metrics[self.cmap[ord(c)]][0] for c in text if ord(c) in self.cmap) / per_em


@cache
def _open(path: Path, index: int) -> TTFont:
    """The face, with the tables `Face` reads loaded now: a lazy table is read from the shared file
    handle on first use, which two threads (scenes drawn at once) must not do together."""
    font = TTFont(path, fontNumber=index, lazy=True)
    for table in ("name", "cmap", "hmtx", "head", "OS/2"):
        font[table]
    font.getBestCmap()
    return font


CAPTION_FACE = Face(Path(font_roboto.font_directory) / "Roboto-Black.ttf")
FALLBACK_FACES = (Face(_NOTO / "NotoSans[wght].ttf"), Face(_NOTO / "NotoEmoji[wght].ttf"))


def clusters(text: str) -> list[str]:
    """`text` cut into grapheme clusters: a base with its combining marks, joiners and
    variation selectors (and, after a zero-width joiner, the character it joins)."""
    found: list[str] = []
    for char in text:
        if found and (_attaches(char) or found[-1].endswith(_ZWJ)):
            found[-1] += char
        else:
            found.append(char)
    return found


def _attaches(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me") or _ignorable(char)


def _ignorable(char: str) -> bool:
    """Invisible format characters (joiners, bidi marks, zero-width space): shaping hides them
    whether or not a font maps them."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


@dataclass(frozen=True)
class FontStack:
    """Faces in order of preference; each cluster is drawn by the first one that has it."""

    faces: tuple[Face, ...]

    def face_for(self, cluster: str) -> Face | None:
        return next((face for face in self.faces if face.covers(cluster)), None)

    def runs(self, text: str) -> list[tuple[Face | None, str]]:
        """`text` as consecutive runs drawn by one face each (None: no face has it).

        Spaces, digits and punctuation (common to all scripts) stay in the run they are in when
        its face has them, so a phrase is shaped as one piece (Arabic punctuation mirrored)."""
        runs: list[tuple[Face | None, str]] = []
        for cluster in clusters(text):
            current = runs[-1][0] if runs else None
            neutral = script(cluster[0]) in ("Zyyy", "Zinh")
            face = current if neutral and current and current.covers(cluster) else self.face_for(cluster)
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + cluster)
            else:
                runs.append((face, cluster))
        return runs

    def markup(self, text: str, grow: tuple[float, float, int] | None = None) -> str:
        """ASS text with a `{\\fnFamily}` override at each run, scaled so every face has the
        caption face's em; `grow` (from, to, milliseconds) animates that scale from one factor of
        it to another. `text` may be ASS-escaped already: the escapes are ASCII, which the
        caption face has, so a run never splits one."""
        base = self.faces[0]
        tags = []
        for face, run in self.runs(text):
            face = face or base
            scale = 100 * face.line_em / base.line_em
            tags.append(f"{{\\fn{face.family}{_scaled(scale, grow)}}}{run}")
        return "".join(tags)

    def width(self, text: str, size: float) -> float:
        """How wide `text` is drawn at ASS font size `size`, with a margin for shaping and
        emboldening."""
        em = sum(face.width_em(run) for face, run in self.runs(text) if face)
        return WIDTH_MARGIN * em * size / self.faces[0].line_em

    def check(self, texts: list[str], what: str) -> None:
        """Raise UnreadableText naming every character of `texts` no face has, its script,
        and what to do about it."""
        missing = sorted({char for text in texts for face, run in self.runs(text) if face is None
                          for char in run if not _ignorable(char)})
        if missing:
            named = ", ".join(f"{char!r} (U+{ord(char):04X}, {script_name(script(char))})" for char in missing)
            raise UnreadableText(
                f"cannot burn in {what}: no bundled font has {named}, so they would show as empty "
                "boxes; write the row in a language and script the factory supports "
                "(shorts_assets/languages.py) or remove those characters"
            )


def _scaled(scale: float, grow: tuple[float, float, int] | None) -> str:
    if grow is None:
        return f"\\fscx{round(scale)}\\fscy{round(scale)}"
    start, end, millis = round(scale * grow[0]), round(scale * grow[1]), grow[2]
    return f"\\fscx{start}\\fscy{start}\\t(0,{millis},\\fscx{end}\\fscy{end})"


@cache
def _stack(code: str) -> FontStack:
    own = (
        Face(_CJK, _CJK_FACES[code]) if code in _CJK_FACES
        else Face(_NOTO / _SCRIPT_FILES[code]) if code in _SCRIPT_FILES
        else None
    )
    return FontStack((CAPTION_FACE, *([own] if own else []), *FALLBACK_FACES))


def font_stack(language: Language) -> FontStack:
    """The faces text in `language` is drawn with: the caption face, the script's, Noto Sans,
    and Noto Emoji (in outline: libass draws no colour emoji)."""
    return _stack(language.script)


def fonts_dir(documents: list[str], folder: Path) -> Path:
    """`folder` made a fonts directory for ffmpeg's `ass` filter (`fontsdir`, one directory) holding
    the faces that draw `documents` (ASS documents in one language), each face once."""
    stack = font_stack(document_language(documents[0]))
    used: dict[Face, set[str]] = {}
    for text in (text for document in documents for text in burned_text(document)):
        for face, run in stack.runs(text):
            used.setdefault(face or stack.faces[0], set()).update(run)
    folder.mkdir(parents=True, exist_ok=True)
    for face, chars in used.items():
        face.place(chars, folder)
    return folder


def check_burned_in(ass_text: str) -> None:
    """Raise UnreadableText if any text an ASS document burns in or records (captions, title,
    cards) has a character its language's fonts lack."""
    font_stack(document_language(ass_text)).check(burned_text(ass_text), "the captions, title or cards")
