"""The languages a row may ask for, and what each needs: its script, direction, word breaks, voice.

One table, so the sheet check, the writers, the voices and the captions agree on what a language
is. A row names a language by its code ("hi", "pt-br", "zh-hant"); the region or script subtag
picks a variant where one exists (Traditional Chinese) and is otherwise kept for the writer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """What the factory knows of one language.

    `script` is its ISO 15924 code (what the fonts are chosen by). `spaced` is False for scripts
    written without spaces between words, whose caption units come from a segmenter. `upper` is
    whether captions are set in capitals: only where the script has case and capitals read well.
    `espeak` is the espeak-ng voice that speaks it usably offline, or None when it needs a voice
    service (espeak-ng spells Japanese kanji out character by character, for one).
    """

    code: str
    name: str
    script: str
    espeak: str | None
    spaced: bool = True
    rtl: bool = False
    upper: bool = True


_TABLE = (
    Language("en", "English", "Latn", "en-us"),
    Language("es", "Spanish", "Latn", "es"),
    Language("pt", "Portuguese", "Latn", "pt-br"),
    Language("fr", "French", "Latn", "fr"),
    Language("de", "German", "Latn", "de"),
    Language("it", "Italian", "Latn", "it"),
    Language("nl", "Dutch", "Latn", "nl"),
    Language("pl", "Polish", "Latn", "pl"),
    Language("ro", "Romanian", "Latn", "ro"),
    Language("sv", "Swedish", "Latn", "sv"),
    Language("tr", "Turkish", "Latn", "tr"),
    Language("az", "Azerbaijani", "Latn", "az"),
    Language("vi", "Vietnamese", "Latn", "vi"),
    Language("id", "Indonesian", "Latn", "id"),
    Language("ms", "Malay", "Latn", "ms"),
    Language("sw", "Swahili", "Latn", "sw"),
    Language("ru", "Russian", "Cyrl", "ru"),
    Language("uk", "Ukrainian", "Cyrl", "uk"),
    Language("bg", "Bulgarian", "Cyrl", "bg"),
    Language("sr", "Serbian", "Cyrl", "sr"),
    Language("el", "Greek", "Grek", "el"),
    Language("ar", "Arabic", "Arab", "ar", rtl=True),
    Language("fa", "Persian", "Arab", "fa", rtl=True),
    Language("ur", "Urdu", "Arab", "ur", rtl=True),
    Language("he", "Hebrew", "Hebr", "he", rtl=True),
    Language("hi", "Hindi", "Deva", "hi"),
    Language("mr", "Marathi", "Deva", "mr"),
    Language("ne", "Nepali", "Deva", "ne"),
    Language("bn", "Bengali", "Beng", "bn"),
    Language("ta", "Tamil", "Taml", "ta"),
    Language("te", "Telugu", "Telu", "te"),
    Language("th", "Thai", "Thai", "th", spaced=False),
    Language("ka", "Georgian", "Geor", "ka", upper=False),  # capitals (Mtavruli) are for headings only
    Language("hy", "Armenian", "Armn", "hy"),
    Language("ja", "Japanese", "Jpan", None, spaced=False),
    Language("zh", "Chinese (Simplified)", "Hans", "cmn", spaced=False),
    Language("zh-hant", "Chinese (Traditional)", "Hant", "cmn", spaced=False),
    Language("ko", "Korean", "Kore", "ko"),
)
LANGUAGES = {language.code: language for language in _TABLE}
# Subtags that select another entry than the primary language's.
_VARIANTS = {"zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant", "zh-hans": "zh", "zh-cn": "zh"}
DEFAULT = LANGUAGES["en"]


class UnknownLanguage(ValueError):
    """A language code the factory has no script, fonts or voice for."""


def language(code: str) -> Language:
    """The table's entry for a row's code, matched on the whole code first, then its primary subtag."""
    code = (code or DEFAULT.code).strip().lower().replace("_", "-")
    found = LANGUAGES.get(_VARIANTS.get(code, code)) or LANGUAGES.get(code.split("-")[0])
    if found is None:
        raise UnknownLanguage(
            f"language {code!r} is not one the factory can caption and voice; use one of "
            + ", ".join(sorted(LANGUAGES))
        )
    return found
