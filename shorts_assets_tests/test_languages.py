"""The language table: what a row's code selects, and the text rules each language gets."""

import pytest

from shorts_assets.languages import LANGUAGES, UnknownLanguage, language
from shorts_assets.providers.espeak_voice import available_voices
from shorts_assets.text_rules import caption_case, join_units, separator, units


@pytest.mark.parametrize(("code", "expected"), [
    ("", "en"), ("EN", "en"), ("pt-BR", "pt"), ("es_419", "es"), ("zh", "zh"), ("zh-CN", "zh"),
    ("zh-TW", "zh-hant"), ("zh-Hant", "zh-hant"), ("zh-HK", "zh-hant"), ("ar-EG", "ar"),
])
def test_a_code_selects_its_language_or_the_variant_its_subtag_names(code, expected):
    assert language(code).code == expected


def test_an_unknown_code_names_the_codes_there_are():
    with pytest.raises(UnknownLanguage, match=r"'xx' is not one .* use one of .*\bhi\b.*\bja\b"):
        language("xx")


def test_every_offline_voice_in_the_table_is_one_espeak_ng_has():
    voices = set(available_voices())
    assert {entry.espeak for entry in LANGUAGES.values() if entry.espeak} <= voices


@pytest.mark.parametrize(("code", "text", "expected"), [
    ("tr", "istanbul ılık", "İSTANBUL ILIK"),
    ("de", "Straße", "STRASSE"),
    ("el", "άνθρωπος ώρα", "ΑΝΘΡΩΠΟΣ ΩΡΑ"),
    ("en", "istanbul", "ISTANBUL"),
    ("ka", "ქართული ენა", "ქართული ენა"),  # Mtavruli capitals are for headings
    ("ja", "今日は", "今日は"),
    ("hi", "आज मौसम", "आज मौसम"),
])
def test_capitals_follow_the_language(code, text, expected):
    assert caption_case(text, language(code)) == expected


@pytest.mark.parametrize(("code", "text"), [
    ("ja", "今日はとても良い天気です。"), ("zh", "我们今天去公园玩"), ("zh-hant", "我們今天去公園玩"),
    ("th", "วันนี้อากาศดีมาก"),
])
def test_unspaced_scripts_are_cut_into_phrases_that_join_back_to_the_text(code, text):
    found = units(text, language(code))
    assert len(found) >= 3
    assert join_units(found, language(code)) == text


def test_spaced_languages_keep_their_words():
    assert units("आज मौसम  बहुत", language("hi")) == ["आज", "मौसम", "बहुत"]
    assert join_units(["आज", "मौसम"], language("hi")) == "आज मौसम"


def test_unspaced_text_keeps_its_own_spaces_and_a_space_around_words_of_spaced_scripts():
    thai = language("th")
    text = "ปลาหมึกมีหัวใจสามดวง เลือดสีฟ้า"
    laid_out = units(text, thai, spaces=True)
    assert "".join(laid_out) == text and laid_out[-1] == "สีฟ้า"
    assert join_units(["THIS", "ABOUT", "ปลาหมึก", "มี", "DNA", "3", "ดวง"], thai) == "THIS ABOUT ปลาหมึกมี DNA 3ดวง"
    assert separator("ดวง ", "เลือด", thai) == ""
    assert join_units(["東京", "タワーは", "TOKYO", "。"], language("ja")) == "東京タワーは TOKYO。"
