import pytest

from shorts_assets.providers.sheets import CsvSheet, safe_cell, seed_sheet
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, write_sheet


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=IMPORTXML(\"http://x\")", "'=IMPORTXML(\"http://x\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("published", "published"),
        ("line\nbreak\ttab", "line break tab"),
    ],
)
def test_written_values_are_never_formulas(value, written):
    assert safe_cell(value) == written


def test_rows_are_read_by_header_whatever_the_column_order(sheet_path):
    write_sheet(sheet_path, [GOOD_ROW, {"topic": "second"}], columns=["music", "topic", "facts", "hook_style",
                                                                      "target_seconds", "category"])
    sheet = CsvSheet(path=str(sheet_path))
    rows = sheet.rows()
    assert [r.number for r in rows] == [1, 2]
    assert rows[0].values["topic"] == "honeybees" and rows[0].values["music"] == "none"
    assert [r.number for r in sheet.rows(after=1)] == [2]


def test_write_back_adds_status_columns_and_keeps_the_rest(sheet_path):
    write_sheet(sheet_path, [GOOD_ROW, {"topic": "second", "facts": "f"}], columns=[*GOOD_ROW, "notes"])
    sheet = CsvSheet(path=str(sheet_path))
    sheet.update_rows({2: {"item_id": "second-1", "status": "queued"}})
    sheet.update_item("second-1", {"status": "failed", "error": "=HYPERLINK(\"evil\")"})
    rows = read_sheet(sheet_path)
    assert rows[0]["topic"] == "honeybees" and rows[0]["status"] == ""
    assert rows[1]["status"] == "failed" and rows[1]["error"].startswith("'=")
    assert rows[1]["updated_at"].endswith("Z") and "notes" in rows[1]
    assert sheet.find("second-1").number == 2 and sheet.find("nope") is None
    with pytest.raises(KeyError, match="nope"):
        sheet.update_item("nope", {"status": "x"})


def test_a_sheet_without_topic_column_is_refused(sheet_path):
    write_sheet(sheet_path, [{"idea": "x"}], columns=["idea"])
    with pytest.raises(ValueError, match="no 'topic' column"):
        CsvSheet(path=str(sheet_path)).rows()


def test_a_missing_sheet_says_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        CsvSheet(path=str(tmp_path / "none.csv")).rows()


def test_seeding_never_overwrites(sheet_path):
    sample = write_sheet(sheet_path.with_name("sample.csv"), [GOOD_ROW], columns=list(GOOD_ROW))
    assert seed_sheet(sheet_path, sample)
    assert read_sheet(sheet_path)[0]["topic"] == "honeybees"
    write_sheet(sheet_path, [{"topic": "mine"}])
    assert not seed_sheet(sheet_path, sample)
    assert read_sheet(sheet_path)[0]["topic"] == "mine"


def test_write_back_keeps_the_sheets_permissions(sheet_path):
    write_sheet(sheet_path, [GOOD_ROW])
    sheet_path.chmod(0o640)
    CsvSheet(path=str(sheet_path)).update_rows({1: {"status": "queued"}})
    assert sheet_path.stat().st_mode & 0o777 == 0o640
