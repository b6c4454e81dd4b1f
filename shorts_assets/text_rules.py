"""How text in a language is cut into spoken units and set in captions.

Scripts written without spaces (Japanese, Chinese, Thai) are cut into phrases by BudouX, a
maintained segmenter, so a caption line never breaks inside one. Capitals follow the language:
Turkish keeps its dotted capital İ, Greek drops its accents in capitals as Greek typesetting
does, and scripts without case, or where capitals read badly, are left as written.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import budoux

from .languages import Language

_BUDOUX = {
    "Jpan": budoux.load_default_japanese_parser,
    "Hans": budoux.load_default_simplified_chinese_parser,
    "Hant": budoux.load_default_traditional_chinese_parser,
    "Thai": budoux.load_default_thai_parser,
}
_DOTTED_I = {"tr", "az"}  # i/İ and ı/I are two letters there
_GREEK_CAPITAL_DROPS = {"\u0301", "\u0342", "\u0313", "\u0314"}  # tonos, perispomeni, breathings


@cache
def _parser(script: str) -> budoux.Parser:
    return _BUDOUX[script]()


def units(text: str, language: Language) -> list[str]:
    """The units a caption shows and times one by one: words, or phrases where words run together."""
    chunks = text.split()
    if language.spaced:
        return chunks
    parser = _parser(language.script)
    return [unit for chunk in chunks for unit in parser.parse(chunk) if unit.strip()]


def joiner(language: Language) -> str:
    """What goes between two units on a caption line."""
    return " " if language.spaced else ""


def caption_case(text: str, language: Language) -> str:
    """`text` in capitals where the language sets captions so, correctly for the language."""
    if not language.upper:
        return text
    if language.code in _DOTTED_I:
        text = text.replace("i", "İ").replace("ı", "I")
    text = text.upper()  # ß becomes SS, as German capitals write it
    if language.script == "Grek":
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in _GREEK_CAPITAL_DROPS)
        )
    return text


SENTENCE_ENDS = ".!?…。！？।॥؟"  # Latin, CJK full-width, Devanagari and Bengali danda, Arabic question mark
_FULL_STOPS = {"Jpan": "。", "Hans": "。", "Hant": "。", "Deva": "।", "Beng": "।", "Thai": ""}  # Thai ends with a space


def full_stop(language: Language) -> str:
    """What a sentence in the language ends with when it has no mark of its own."""
    return _FULL_STOPS.get(language.script, ".")
