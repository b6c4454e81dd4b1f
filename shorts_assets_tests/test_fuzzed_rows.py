"""Fuzzed content-sheet rows: whatever people type or paste into the sheet, the sensor never fails a
tick, a bad row is rejected with its reason in the row, a good row is queued and really produced,
nothing written back is a formula, no row's media reaches a file outside SHORTS_MEDIA_ROOT, and a
link that names an address inside the factory's network is rejected at the sheet.

A hand-written sheet names each trick and the verdict it must get; hypothesis adds generated sheets
whose verdicts are checked against rules stated here, independently of the factory's code.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    SensorResult,
    SkipReason,
    build_sensor_context,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.definitions import build_definitions
from shorts_assets.languages import LANGUAGES
from shorts_assets.media.captions import display_word
from shorts_assets.media.probe import probe
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.google_sheet import GoogleSheet
from shorts_assets.providers.sheets import STATUS_COLUMNS, CsvSheet, safe_cell
from shorts_assets.rows import IDEA_COLUMNS, LIMITS
from shorts_assets_tests.conftest import SMALL, read_sheet, small_settings, sync_sheet, write_sheet
from shorts_assets_tests.fakes.sheets_api import FakeSheets

COLUMNS = [*IDEA_COLUMNS, *STATUS_COLUMNS, "comments"]  # "comments": a column of people's own
MB = 1_000_000
QUEUED, UNTOUCHED = "queued", "untouched"
BASE = {"topic": "honeybees", "facts": "Bees dance to say where flowers are. | A hive is kept at 35 degrees."}
FORMULAS = ['=IMPORTXML("http://127.0.0.1/x","//a")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3",
            '=HYPERLINK("http://127.0.0.1","click")', "%0A=1+1", "|calc"]
RTL = ["لماذا السماء زرقاء", "למה השמיים כחולים", "می‌خواهم بدانم", "مرحبا 123 world عالم"]
EMOJI = ["🐝🐝🐝", "👩‍👩‍👧‍👦 family", "🏳️‍🌈 flag 🇺🇦", "1️⃣ keycap 👍🏽", "Z̷̛a̸l̵g̶o̷ text"]
SECONDS_REJECTED = ["abc", "1e9", "-5", "²", "٣٠", "３０", "30.5", "30.0", "0x1e", "1_000", "=60", "-2+3"]
SECONDS_OUT_OF_RANGE = ["9999999999", "5", "61", "0"]
BAD_IDS = ["../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "http://user@127.0.0.1", "bees\\..\\x",
           "ABC-123", "ab", "-abc", "abc-", "x" * 65, "a,b,c", "١٢٣-abc", "bees\x00x", "ｂｅｅｓ", "=IMPORTXML(A1)"]
REASONS = ("topic is empty", "give the facts", "is longer than", "hook_style must be", "music must be",
           "target_seconds", "words is too long", "item_id must be", "duplicate of item", "media ",
           "is not one the factory can caption and voice", "cannot speak")


def plane_text(plane: int) -> str:
    """A few code points of one Unicode plane, surrogates left out (UTF-8 cannot hold them)."""
    points = [plane * 0x10000 + offset for offset in (0x41, 0x1F4A, 0x4E2D, 0xA000, 0xFFFD, 0xFFFF)]
    return "".join(chr(p) for p in points if not 0xD800 <= p <= 0xDFFF)


def media_cases() -> list[tuple[dict, str]]:
    climbs, scheme, loopback = "media 1 climbs out of the media folder", "must be an http(s) link", "a loopback address"
    return [
        ({"media": "../../etc/passwd"}, climbs), ({"media": "clips/../../etc/passwd"}, climbs),
        ({"media": "clips/./../x.mp4"}, climbs), ({"media": "clips/bees.mp4\x00../../etc/passwd"}, climbs),
        ({"media": "https://videos.example.com/ok.mp4 | ../x.mp4"}, "media 2 climbs out"),
        ({"media": "file:///etc/passwd"}, scheme), ({"media": "FILE:/etc/passwd"}, scheme),
        ({"media": "ftp://127.0.0.1/x.mp4"}, scheme), ({"media": "javascript:alert(1)"}, scheme),
        ({"media": "data:video/mp4;base64,AAAA"}, scheme), ({"media": "http:///etc/passwd"}, scheme),
        ({"media": "http://[::1/x.mp4"}, scheme),
        ({"media": "http://user@127.0.0.1/x.mp4"}, "user name or password"),
        ({"media": "https://user:s3cret@127.0.0.1/x.mp4"}, "user name or password"),
        ({"media": "http://127.0.0.1\\@evil.example/x.mp4"}, "backslash"),
        ({"media": "..\\..\\etc\\passwd"}, "backslash"), ({"media": "C:\\Windows\\win.ini"}, "backslash"),
        ({"media": "media/" + "m" * 200_000}, "media is longer than"),
        # Links into the factory's own network, however the address is written
        ({"media": "HTTPS://127.0.0.1:9/x.mp4"}, loopback), ({"media": "http://2130706433/x.mp4"}, loopback),
        ({"media": "http://0x7f.1/x.mp4"}, loopback), ({"media": "http://[::1]:22/"}, loopback),
        ({"media": "http://localhost:8080/x.mp4"}, loopback), ({"media": "http://10.0.0.5/x.mp4"}, "a private address"),
        ({"media": "http://169.254.169.254/latest/meta-data/"}, "the cloud metadata service lives there"),
        # Left to the row-media footage, which knows SHORTS_MEDIA_ROOT: see the canary test.
        ({"media": "/etc/passwd"}, QUEUED), ({"media": "//127.0.0.1/share/x.mp4"}, QUEUED),
        ({"media": "clips/bees.mp4"}, QUEUED), ({"media": "~/secret.mp4"}, QUEUED),
        ({"media": "%2e%2e/%2e%2e/etc/passwd"}, QUEUED), ({"media": "HTTPS://Videos.Example.com:9/x.mp4"}, QUEUED),
    ]


def hand_written_cases() -> list[tuple[dict, str]]:
    """Each trick once, with the verdict it must get: QUEUED, UNTOUCHED or a piece of the reason."""
    empty = {column: "" for column in COLUMNS}
    return [
        # Empty cells
        (empty, UNTOUCHED), ({**empty, "comments": "people's note"}, UNTOUCHED),
        ({"topic": ""}, "topic is empty"), ({"topic": " \t\u3000\u200b\n"}, "topic is empty"),
        ({"topic": "\x7f\x00\x1b"}, "topic is empty"), ({"facts": ""}, "give the facts"),
        ({"facts": " | \n | "}, "give the facts"), ({"facts": "", "script": "Read this. Then this."}, QUEUED),
        ({"target_seconds": "", "hook_style": "", "music": "", "voice": "", "language": ""}, QUEUED),
        # Huge cells: one row each, never the tick
        ({"topic": "t" * MB}, "topic is longer than 120"), ({"facts": "word " * 40_000}, "facts is longer than"),
        ({"script": "s" * 150_000}, "script is longer than"), ({"item_id": "i" * 150_000}, "item_id must be"),
        ({"comments": "c" * 150_000}, QUEUED), ({"facts": "word " * 141}, "141 words is too long"),
        # Control characters are removed, or make the cell empty
        ({"topic": "bees\x00\x07\x1b[31m\x7f\x9b"}, QUEUED),
        ({"facts": "one\r\ntwo\rthree\x0bfour\x0cfive\x1csix\x85seven\u2028eight\u2029nine"}, QUEUED),
        ({"topic": "\u202eevil\u202c \u2066bidi\u2069 \ufeffbom"}, QUEUED), ({"hook_style": "question\x00"}, QUEUED),
        # Every plane, right-to-left text, emoji, combining marks
        *(({"topic": f"plane {plane} {plane_text(plane)}", "facts": plane_text(plane) + " fact."}, QUEUED)
          for plane in range(17)),
        *(({"topic": text, "facts": f"{text}. | {text} 2."}, QUEUED) for text in RTL + EMOJI),
        # Formula strings: the row's own text is kept as text; in a column with choices they are wrong
        *(({"topic": formula, "facts": formula}, QUEUED) for formula in FORMULAS),
        ({"hook_style": "=1+1"}, "hook_style must be"), ({"music": "@SUM(A1)"}, "music must be"),
        ({"media": '=IMPORTXML("http://x")'}, QUEUED), ({"status": "=cmd|' /C calc'!A0"}, UNTOUCHED),
        # Media links and item ids that try to leave their folder
        *media_cases(),
        *(({"item_id": bad}, "item_id must be") for bad in BAD_IDS),
        ({"item_id": "my-own-id-1"}, QUEUED), ({"item_id": " my-own-id-2 \n"}, QUEUED),
        # Wrong types
        *(({"target_seconds": value}, "whole number of seconds") for value in SECONDS_REJECTED),
        *(({"target_seconds": value}, "target_seconds: Input should be") for value in SECONDS_OUT_OF_RANGE),
        ({"target_seconds": " 30 "}, QUEUED), ({"target_seconds": "010"}, QUEUED),
        ({"hook_style": "Bold-Claim ", "music": "AMBIENT"}, QUEUED), ({"status": "Ready "}, QUEUED),
        # Duplicates
        ({"category": "dup a"}, QUEUED), ({"category": "dup a"}, "duplicate of item"),
        ({"category": "DUP A ", "topic": "HoneyBees  "}, "duplicate of item"),
        ({"item_id": "dup-own-id", "category": "dup b"}, QUEUED),
        ({"item_id": "dup-own-id", "category": "dup c"}, "duplicate of item dup-own-id"),
    ]


def render_cases() -> list[tuple[dict, str]]:
    """The nastiest rows that must make a whole video: right-to-left, emoji and astral-plane text.

    Short on purpose: espeak-ng reads an astral character by its long Unicode name. The mixed
    row holds characters no bundled font has (CJK extension B in a Hebrew row, a musical symbol):
    it must fail naming them."""
    return [
        ({"topic": "السماء 🌌", "facts": "الضوء الأزرق 🔵 | السماء 👩‍🔬", "voice": "ar", "language": "ar",
          "target_seconds": "10", "item_id": "render-rtl"}, QUEUED),
        ({"topic": "שמיים 🏳️‍🌈", "facts": "שלום 👩‍👩‍👧‍👦 | می‌خواهم 𠀋𡈽 𝄞", "voice": "he", "language": "he",
          "target_seconds": "10", "item_id": "render-mixed"}, QUEUED),
    ]


def sheet_rows(cases: list[tuple[dict, str]]) -> list[dict[str, str]]:
    """Each case on the base row; its own category keeps it from being a copy of another case."""
    rows = []
    for number, (cells, _) in enumerate(cases):
        row = {**BASE, "category": f"case {number}", "music": "none", **cells}
        rows.append({column: row.get(column, "") for column in COLUMNS})
    return rows


# --------------------------------------------------------------------------------------------
# Ticking and producing


def tick(instance, sheet, cursor=None, rows_per_tick: int = 100):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={
        "sheet": sheet, "voice": EspeakVoice(), "policy": Policy(review_required=False, rows_per_tick=rows_per_tick)})
    result = content_sheet_sensor(context)
    if isinstance(result, SensorResult):
        for request in result.dynamic_partitions_requests:  # what the daemon does with the result
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def tick_until_done(instance, sheet, rows_per_tick: int = 100) -> list:
    """Every tick's run requests, ticking until there is nothing new: no tick may raise."""
    requests, cursor = [], None
    for _ in range(50):
        result = tick(instance, sheet, cursor, rows_per_tick)
        if isinstance(result, SkipReason):
            return requests
        requests, cursor = requests + result.run_requests, result.cursor
    raise AssertionError("the sensor never ran out of rows")


def produce_ideas_and_scripts(defs, instance, keys) -> None:
    job = defs.resolve_job_def("content_pipeline")
    for key in keys:
        result = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False,
                                        asset_selection=[AssetKey("idea"), AssetKey("script")])
        assert result.success, (key, [e.message for e in result.all_events if e.is_failure])


def stored(home: Path, asset: str, key: str) -> dict:
    return json.loads((home / "store" / asset / key / "record.json").read_text(encoding="utf-8"))["record"]


def evaluable(cell: str) -> bool:
    """Would Excel, LibreOffice or Google Sheets run it? A leading = + - @ (after blanks), DDE's | or %."""
    return re.match(r"\s*[=+\-@|%]", cell) is not None


def own_cells(row: dict[str, str]) -> dict[str, str]:
    """The cells people write, which the factory must give back exactly, control characters and all."""
    return {column: row[column] for column in (*IDEA_COLUMNS, "comments")}


def written_by_factory(before: list[dict], after: list[dict]):
    """Every status cell the factory changed."""
    for old, new in zip(before, after, strict=True):
        for column in STATUS_COLUMNS:
            if new.get(column, "") != old.get(column, ""):
                yield new[column]


@dataclass
class Ticked:
    home: Path
    cases: list[tuple[dict, str]]
    rows: list[dict[str, str]]  # as written
    after: list[dict[str, str]]  # as the sheet reads after the ticks
    requests: list
    defs: object
    instance: DagsterInstance


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """The hand-written sheet through the sensor, then idea and script of every queued row."""
    home = tmp_path_factory.mktemp("fuzzed")
    cases = hand_written_cases() + render_cases()
    rows = sheet_rows(cases)
    path = write_sheet(home / "content_sheet.csv", rows, COLUMNS)
    defs = build_definitions(small_settings({"SHORTS_HOME": str(home)}))
    with DagsterInstance.ephemeral() as instance:
        requests = tick_until_done(instance, CsvSheet(path=str(path)))
        after = read_sheet(path)
        produce_ideas_and_scripts(defs, instance, [r.partition_key for r in requests])
        yield Ticked(home, cases, rows, after, requests, defs, instance)


def test_every_row_gets_its_verdict_written_into_it(fuzzed):
    for number, ((cells, verdict), before, row) in enumerate(zip(fuzzed.cases, fuzzed.rows, fuzzed.after,
                                                                 strict=True), start=1):
        where = f"row {number} {json.dumps(cells)[:120]}: {row['status'][:200]!r}"
        if verdict == UNTOUCHED:
            assert row["status"] == before["status"], where
        elif verdict == QUEUED:
            assert row["status"] == "queued" and row["error"] == "", where
        else:
            assert row["status"].startswith("rejected: ") and verdict in row["status"], where
    assert not any("s3cret" in row["status"] for row in fuzzed.after)  # a link's password is never echoed


def test_every_queued_row_is_one_partition_and_one_run_and_its_idea_and_script_are_made(fuzzed):
    queued = [row["item_id"] for row in fuzzed.after if row["status"] == "queued"]
    assert [r.partition_key for r in fuzzed.requests] == queued == [r.run_key for r in fuzzed.requests]
    assert len(set(queued)) == len(queued)
    assert set(fuzzed.instance.get_dynamic_partitions(content_items.name)) == set(queued)
    assert {"my-own-id-1", "my-own-id-2", "dup-own-id", "render-rtl"} <= set(queued)
    for key in queued:
        idea, script = stored(fuzzed.home, "idea", key), stored(fuzzed.home, "script", key)
        assert idea["item_id"] == script["item_id"] == key and script["beats"]
        texts = "".join([idea["topic"], idea["script"], *idea["facts"], *idea["media"]])
        assert not [ch for ch in texts if unicodedata.category(ch)[0] == "C" and ch not in "\n\t\u200c\u200d"]
    persian = next(row["item_id"] for row in fuzzed.after if row["topic"] == RTL[2])
    assert "\u200c" in stored(fuzzed.home, "idea", persian)["topic"]  # the joiner is part of the word


def test_no_cell_the_factory_wrote_could_be_run_as_a_formula(fuzzed):
    written = list(written_by_factory(fuzzed.rows, fuzzed.after))
    assert len(written) > len(fuzzed.rows) and not [cell for cell in written if evaluable(cell)]


def test_peoples_own_cells_come_back_unchanged(fuzzed):
    assert [own_cells(row) for row in fuzzed.after] == [own_cells(row) for row in fuzzed.rows]


@given(st.text(st.characters(exclude_categories=("Cs",))))
@settings(max_examples=300, deadline=None)
def test_safe_cell_never_makes_a_formula(text):
    assert not evaluable(safe_cell(text))


def test_an_unexpected_error_on_one_row_rejects_only_that_row(tmp_path, monkeypatch):
    from shorts_assets.automation import intake as automation

    checked = automation.ideas_from_row

    def fragile(values, number, allowed, writer_adapts):
        if "boom" in values["topic"]:
            raise RecursionError("maximum recursion depth exceeded")
        return checked(values, number, allowed, writer_adapts)

    monkeypatch.setattr(automation, "ideas_from_row", fragile)
    path = write_sheet(tmp_path / "sheet.csv", sheet_rows([({}, QUEUED), ({"topic": "boom"}, ""), ({}, QUEUED)]),
                       COLUMNS)
    with DagsterInstance.ephemeral() as instance:
        assert len(tick(instance, CsvSheet(path=str(path))).run_requests) == 2
    assert [row["status"] for row in read_sheet(path)] == [
        "queued", "rejected: the factory could not check this row (RecursionError: maximum recursion depth exceeded)",
        "queued"]


# --------------------------------------------------------------------------------------------
# Generated sheets


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # every plane, controls included
NASTY = [*FORMULAS, *RTL, *EMOJI, *BAD_IDS, *SECONDS_REJECTED, *SECONDS_OUT_OF_RANGE, "", " ", "\x00", "\r\n",
         "\u202e", "\u200b", "\u200d", plane_text(1), plane_text(14), "../../etc/passwd", "file:///etc/passwd",
         "ftp://127.0.0.1/x", "http://user@127.0.0.1/x.mp4", "c:\\x.mp4", "clips/../x.mp4", "| |", "word " * 141]
SAYABLE = st.tuples(st.sampled_from(["bees", "octopus", *RTL, *EMOJI, *FORMULAS]), TEXT).map(" ".join)


@st.composite
def fuzzed_row(draw) -> dict[str, str]:
    """A row a person could mean, with up to three cells spoilt by anything at all."""
    row = {
        "topic": draw(SAYABLE),
        "facts": draw(st.lists(SAYABLE, min_size=1, max_size=4).map(" | ".join)),
        "script": draw(st.sampled_from(["", "", "", "One line. Two lines!"])),
        "category": draw(st.sampled_from(["", "science", "History "])),
        "hook_style": draw(st.sampled_from(["", "question", "STORY ", "number", "bold-claim"])),
        "music": draw(st.sampled_from(["", "none", "Ambient"])),
        "target_seconds": draw(st.one_of(st.just(""), st.integers(10, 60).map(str))),
        "voice": draw(st.sampled_from(["", "en-us", "ar"])),
        "language": draw(st.sampled_from(["", "en", "he"])),
        "media": draw(st.lists(st.sampled_from(["clips/bees.mp4", "/srv/x.png", "https://videos.example.com/x.mp4",
                                                "https://127.0.0.1:9/x.mp4"]), max_size=2).map(" | ".join)),
        "item_id": draw(st.one_of(st.just(""), st.from_regex(r"[a-z0-9][a-z0-9-]{1,12}[a-z0-9]", fullmatch=True))),
        "status": draw(st.sampled_from(["", "", "ready", "Ready "])),
    }
    for column in draw(st.lists(st.sampled_from(sorted(row)), max_size=3, unique=True)):
        row[column] = draw(st.one_of(TEXT, st.sampled_from(NASTY)))
    return row


@st.composite
def fuzzed_sheet(draw) -> list[dict[str, str]]:
    """Rows, some pasted twice, and sometimes one cell too big for the csv module's default limit."""
    rows = draw(st.lists(fuzzed_row(), min_size=20, max_size=30))
    for index in draw(st.lists(st.integers(1, len(rows) - 1), max_size=3)):
        rows[index] = dict(rows[draw(st.integers(0, index - 1))])
    column = draw(st.sampled_from([None, *LIMITS, "item_id", "comments"]))
    if column:
        rows[draw(st.integers(0, len(rows) - 1))][column] = "ŋ" * 140_000
    return [{c: row.get(c, "") for c in COLUMNS} for row in rows]


def visible(text: str) -> str:
    """The characters no cleaning can remove: printable and not blank."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if ch.isprintable() and not ch.isspace())


def must_reject(row: dict[str, str]) -> bool:
    """Rules a person can read off the README, checked without the factory's code."""
    seconds = "".join(ch for ch in row["target_seconds"] if ch.isprintable()).strip()
    links = [link.strip() for link in re.split(r"\n|\|", row["media"]) if link.strip()]
    own_id = row["item_id"].strip()
    code = "".join(ch for ch in row["language"] if ch.isprintable()).strip().lower().replace("_", "-")
    return (
        any(len(visible(row[column])) > limit for column, limit in LIMITS.items())
        or not visible(row["topic"])
        or (seconds != "" and not (seconds.isascii() and seconds.isdigit() and 10 <= int(seconds) <= 60))
        or any("\\" in link or (".." in link.split("/") and "://" not in link) for link in links)
        or any(re.match(r"(?i)(file|ftp|javascript|data):", link) for link in links)
        or any(re.match(r"(?i)https?://(127\.|10\.|169\.254\.|localhost\b|\[::1\])", link) for link in links)
        or (own_id != "" and re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]", own_id) is None)
        or (code != "" and code.split("-")[0] not in LANGUAGES)
    )


@pytest.fixture(scope="module")
def generated_home(tmp_path_factory):
    """One home and one Definitions for every generated sheet: each sheet gets a fresh instance."""
    home = tmp_path_factory.mktemp("generated")
    return home, build_definitions(small_settings({"SHORTS_HOME": str(home)}))


@given(rows=fuzzed_sheet(), rows_per_tick=st.integers(3, 40))
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
def test_generated_sheets_never_fail_a_tick_and_every_queued_row_is_made(generated_home, rows, rows_per_tick):
    home, defs = generated_home
    path = write_sheet(home / "content_sheet.csv", rows, COLUMNS)
    with DagsterInstance.ephemeral() as instance:
        requests = tick_until_done(instance, CsvSheet(path=str(path)), rows_per_tick)
        after = read_sheet(path)
        for before, row in zip(rows, after, strict=True):
            check_verdict(before, row)
        assert not [cell for cell in written_by_factory(rows, after) if evaluable(cell)]
        queued = [row["item_id"] for row in after if row["status"] == "queued"]
        assert [r.partition_key for r in requests] == queued and len(set(queued)) == len(queued)
        produce_ideas_and_scripts(defs, instance, queued)


def check_verdict(before: dict[str, str], row: dict[str, str]) -> None:
    """A new row is queued or rejected for a known reason, never queued when a rule forbids it, and
    keeps its own cells; any other row is left as it was."""
    new = before["status"].strip().lower() in ("", "ready") and any(
        before[c].strip() for c in (*IDEA_COLUMNS, "item_id"))
    rejected = row["status"].startswith("rejected: ")
    assert (row["status"] == "queued" or rejected) if new else row["status"] == before["status"], row["status"]
    assert not (must_reject(before) and row["status"] == "queued"), before
    assert not rejected or any(reason in row["status"] for reason in REASONS), row["status"]
    assert own_cells(row) == own_cells(before)


# --------------------------------------------------------------------------------------------
# The Google sheet


def google_sheet(fake: FakeSheets, folder: Path) -> GoogleSheet:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": key,
               "client_email": "bot@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{fake.url}/token"}
    (folder / "sa.json").write_text(json.dumps(account))
    return GoogleSheet(spreadsheet_key=fake.key, credentials_file=str(folder / "sa.json"), api_root=fake.url)


def test_over_the_google_sheet_the_verdicts_are_the_same_and_every_write_is_raw(fuzzed, tmp_path, offline):
    rows, csv_after = fuzzed.rows, fuzzed.after
    with FakeSheets({"ideas": [COLUMNS, *([row[c] for c in COLUMNS] for row in rows)]}) as fake, \
            DagsterInstance.ephemeral() as instance:
        requests = tick_until_done(instance, google_sheet(fake, tmp_path))
        after = fake.records("ideas")
        writes = [r.json() for r in fake.calls("POST", "/v4/spreadsheets/sheet-key/values:batchUpdate")]
    assert [row["status"] for row in after] == [row["status"] for row in csv_after]
    assert [r.partition_key for r in requests] == [row["item_id"] for row in csv_after if row["status"] == "queued"]
    assert writes and {body["valueInputOption"] for body in writes} == {"RAW"}
    sent = [value for body in writes for item in body["data"] for line in item["values"] for value in line]
    assert len(sent) > len(rows) and not [value for value in sent if evaluable(value)]
    assert not [cell for cell in written_by_factory(rows, after) if evaluable(cell)]


# --------------------------------------------------------------------------------------------
# Media outside the media root


WATCHED: list[tuple[str, str]] = []
WATCHING: list[bool] = []
HOOKED: list[bool] = []


WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND


def _record(event: str, args: tuple) -> None:
    """An audit hook cannot be removed: it records only while a test is watching."""
    if WATCHING and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        path, mode, flags = args
        writes = bool(set(mode or "") & set("wax+")) or bool((flags or 0) & WRITES)
        WATCHED.append(("write" if writes else "open", os.path.abspath(os.fsdecode(path))))
    elif WATCHING and event == "subprocess.Popen":
        WATCHED.append((event, " ".join(map(os.fsdecode, args[1]))))


@contextmanager
def watching():
    """Every file Python opens and every command it starts, inside the block."""
    if not HOOKED:
        sys.addaudithook(_record)
        HOOKED.append(True)
    WATCHED.clear()
    WATCHING.append(True)
    try:
        yield WATCHED
    finally:
        WATCHING.clear()


def test_media_outside_the_media_root_is_refused_and_never_opened(tmp_path):
    home, outside = tmp_path / "home", tmp_path / "outside"
    (home / "clips").mkdir(parents=True)
    outside.mkdir()
    canary = outside / "canary.mp4"
    canary.write_bytes(b"\x00\x00\x00\x18ftypmp42 not for any video")
    (home / "clips" / "escape.mp4").symlink_to(canary)
    (home / "clips" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (home / "clips" / "loop.mp4").symlink_to(home / "clips" / "loop.mp4")
    links = {
        "../outside/canary.mp4": "rejected: media 1 climbs out of the media folder",
        "clips/elsewhere/../../../outside/canary.mp4": "rejected: media 1 climbs out of the media folder",
        f"file://{canary}": "rejected: media 1 must be an http(s) link",
        str(canary): "outside the media folder", "clips/escape.mp4": "outside the media folder",
        "clips/elsewhere/canary.mp4": "outside the media folder", "clips/loop.mp4": "is not a usable file path",
    }
    rows = sheet_rows([({"media": link, "topic": f"canary {n}"}, "") for n, link in enumerate(links)])
    path = write_sheet(home / "content_sheet.csv", rows, COLUMNS)
    defs = build_definitions(small_settings({"SHORTS_HOME": str(home), "SHORTS_FOOTAGE": "row-media,procedural"}))
    with DagsterInstance.ephemeral() as instance, watching() as watched:
        keys = [r.partition_key for r in tick_until_done(instance, CsvSheet(path=str(path)))]
        failures = [clips_failure(defs, instance, key) for key in keys]
    after = read_sheet(path)
    for (link, verdict), row in zip(links.items(), after, strict=True):
        if verdict.startswith("rejected: "):
            assert row["status"].startswith(verdict), (link, row["status"])
        else:
            assert row["status"] == "failed" and row["error"].startswith("scenes: the row's media"), (link, row)
            assert verdict in row["error"] and verdict in failures[keys.index(row["item_id"])]
    files = [Path(os.path.realpath(path)) for event, path in watched if event in ("open", "write")]
    assert len(files) > 10 and [f for f in files if f.is_relative_to(outside.resolve())] == []  # the canary
    # no ffmpeg reads it either (the other scenes, drawn at once, start their own)
    commands = [str(command) for event, command in watched if event == "subprocess.Popen"]
    assert commands and [command for command in commands if str(outside) in command] == []
    written = {Path(os.path.realpath(path)) for event, path in watched if event == "write"}
    # the store, cache, sheet; staged uploads and scratch; the other scenes' ffmpeg's stdin
    allowed = (home.resolve(), Path(tempfile.gettempdir()).resolve(), Path(os.devnull))
    assert written and [f for f in written if not any(f.is_relative_to(folder) for folder in allowed)] == []


def clips_failure(defs, instance, key: str) -> str:
    """Run idea, script and clips of an item; clips must fail once, for good; write the failure back."""
    result = defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key=key, instance=instance, raise_on_error=False,
        asset_selection=[AssetKey("idea"), AssetKey("script"), AssetKey("clips")])
    events = [e for e in result.all_events if e.step_key == "scenes"]
    assert [e.event_type for e in events if e.is_step_failure or e.is_step_up_for_retry] == \
        [DagsterEventType.STEP_FAILURE]
    sync_sheet(defs, instance)
    return next(e.step_failure_data.user_failure_data.description for e in events if e.is_step_failure)


# --------------------------------------------------------------------------------------------
# The nastiest rows, all the way to a video


@pytest.mark.slow
def test_a_row_with_characters_its_fonts_lack_fails_naming_them(fuzzed):
    """The Hebrew row's CJK extension B characters and musical symbol have no bundled face."""
    result = fuzzed.defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key="render-mixed", instance=fuzzed.instance, raise_on_error=False)
    failures = [e.step_failure_data.user_failure_data for e in result.all_events if e.is_step_failure]
    assert not result.success and len(failures) == 1 and failures[0] is not None
    assert "U+1D11E" in failures[0].description and "remove those characters" in failures[0].description


@pytest.mark.slow
@pytest.mark.parametrize("key", ["render-rtl"])
def test_right_to_left_emoji_and_astral_rows_become_videos(fuzzed, key):
    result = fuzzed.defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key=key, instance=fuzzed.instance, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == [
        ("rendered_video_meets_spec", True)]
    video = fuzzed.home / "store" / "rendered_video" / key / "video.mp4"
    info = probe(video)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (SMALL.width, SMALL.height, "h264", "aac")
    words = [w["word"] for w in stored(fuzzed.home, "narration", key)["words"]]
    captions = (video.parent / "captions.ass").read_text(encoding="utf-8")
    assert any(unicodedata.bidirectional(ch) == "AL" or ch > "\uffff" for word in words for ch in word)
    assert words and [w for w in words if display_word(w) not in captions] == []  # every word is captioned
