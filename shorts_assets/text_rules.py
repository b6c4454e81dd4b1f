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
from fontTools.unicodedata import script

from .languages import Language

_BUDOUX = {
    "Jpan": budoux.load_default_japanese_parser,
    "Hans": budoux.load_default_simplified_chinese_parser,
    "Hant": budoux.load_default_traditional_chinese_parser,
    "Thai": budoux.load_default_thai_parser,
}
# Scripts of the unspaced languages, and those common to all (digits, punctuation).
_RUN_TOGETHER = {"Thai", "Hani", "Hira", "Kana", "Zyyy", "Zinh"}
_DOTTED_I = {"tr", "az"}  # i/İ and ı/I are two letters there
_GREEK_CAPITAL_DROPS = {"\u0301", "\u0342", "\u0313", "\u0314"}  # tonos, perispomeni, breathings


@cache
def _parser(script: str) -> budoux.Parser:
    return _BUDOUX[script]()


def units(text: str, language: Language, spaces: bool = False) -> list[str]:
    """The units a caption shows and times one by one: words, or phrases where words run together.

    With `spaces`, a unit that a space follows in `text` keeps one at its end, so a layout that
    joins units with `separator` keeps the text's own spaces (Thai writes one between phrases).
    """
    chunks = text.split()
    parser = None if language.spaced else _parser(language.script)
    found: list[str] = []
    for number, chunk in enumerate(chunks, start=1):
        parts = [chunk] if parser is None else [unit for unit in parser.parse(chunk) if unit.strip()]
        if spaces and number < len(chunks) and parts:
            parts[-1] += " "
        found += parts
    return found


def separator(left: str, right: str, language: Language) -> str:
    """What goes between two units on a line: a space in a spaced language, and in an unspaced
    one where a word of a spaced script meets a word (a Latin name in Thai text), unless `left`
    already ends with one."""
    if not left or not right or left[-1].isspace():
        return ""
    if language.spaced:
        return " "
    edges = left[-1], right[0]
    words_meet = all(unicodedata.category(char)[0] in "LMN" for char in edges)
    return " " if words_meet and any(map(_spaced_letter, edges)) else ""


def join_units(parts: list[str], language: Language) -> str:
    """Units set on one line, each `separator` apart."""
    text = ""
    for part in parts:
        text += separator(text, part, language) + part
    return text


def _spaced_letter(char: str) -> bool:
    return script(char) not in _RUN_TOGETHER


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


def lower_case(text: str, language: Language) -> str:
    """`text` in small letters, correctly for the language: only cased letters change, so a script
    without case (Arabic, Devanagari, CJK) is left as written; Turkish keeps dotless ı apart from i,
    and Greek gets its final sigma."""
    if language.code in _DOTTED_I:
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


SENTENCE_ENDS = ".!?…。！？।॥؟"  # Latin, CJK full-width, Devanagari and Bengali danda, Arabic question mark
_FULL_STOPS = {"Jpan": "。", "Hans": "。", "Hant": "。", "Deva": "।", "Beng": "।", "Thai": ""}  # Thai ends with a space


def full_stop(language: Language) -> str:
    """What a sentence in the language ends with when it has no mark of its own."""
    return _FULL_STOPS.get(language.script, ".")


def whole_words(cut: str) -> str:
    """Text cut at a length, without the word the cut went through (unless it is the only one)."""
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space when there is one to cut at."""
    return text if len(text) <= limit else whole_words(text[:limit])
