"""The content sheet: the human control panel. Offline it is a CSV file.

People add idea rows; the factory writes status, errors and links back into the same
rows. Columns are found by header name, so their order does not matter, and every value
the factory writes is made safe from being read as a formula by a spreadsheet program.
"""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from dagster import ConfigurableResource

from ..rows import IDEA_COLUMNS

STATUS_COLUMNS = ("item_id", "status", "error", "video_path", "post_url", "updated_at", "notes")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")
_FIELD_LIMIT = threading.Lock()


@dataclass(frozen=True)
class SheetRow:
    number: int  # 1-based, counting data rows below the header
    values: Mapping[str, str]

    @property
    def status(self) -> str:
        """The status cell as the factory compares it: people type `Approved `, too."""
        return (self.values.get("status") or "").strip().lower()


def safe_cell(value: object, limit: int = 1000) -> str:
    """Text that no spreadsheet will evaluate: a leading formula character gets a quote."""
    text = " ".join(str(value).split())[:limit]
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def stamped(values: Mapping[str, object]) -> dict[str, str]:
    cells = {column: safe_cell(value) for column, value in values.items()}
    cells["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return cells


class Sheet(Protocol):
    def rows(self, after: int = 0) -> list[SheetRow]: ...

    def update_rows(self, updates: Mapping[int, Mapping[str, object]]) -> None: ...

    def update_item(self, item_id: str, values: Mapping[str, object]) -> None: ...

    def find(self, item_id: str) -> SheetRow | None: ...

    def append_rows(self, rows: list[Mapping[str, object]]) -> list[int]:
        """Add rows at the end (the strategy's proposals); return their row numbers."""
        ...


def allow_cells_of(size: int) -> None:
    """csv refuses a field over 128 KiB and so would fail every row for one huge cell. No cell is
    larger than its file, and the row checks reject an over-long one with a reason."""
    with _FIELD_LIMIT:  # the limit is the process's: only ever raise it
        if csv.field_size_limit() < size:
            csv.field_size_limit(size)


class CsvSheet(ConfigurableResource):
    """A CSV content sheet; a lock file serialises the sensor's and the runs' write-backs."""

    path: str

    @contextmanager
    def _locked(self):
        lock_path = Path(self.path).with_name(Path(self.path).name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self, after: int = 0) -> tuple[list[str], list[dict[str, str]]]:
        """The header and the data rows; rows up to `after` are only counted, as empty dicts."""
        path = Path(self.path)
        if not path.exists():
            raise FileNotFoundError(f"content sheet {path} does not exist")
        with open(path, newline="", encoding="utf-8-sig") as handle:
            allow_cells_of(os.fstat(handle.fileno()).st_size)
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            rows = [dict(zip(header, cells, strict=False)) if number > after else {}
                    for number, cells in enumerate(reader, start=1)]
        if "topic" not in header:
            raise ValueError(f"content sheet {path} has no 'topic' column")
        return header, rows

    def _write(self, header: list[str], rows: list[dict[str, str]]) -> None:
        path = Path(self.path)
        columns = list(dict.fromkeys([*header, *STATUS_COLUMNS, *(name for row in rows for name in row)]))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        shutil.copymode(path, tmp)  # keep the sheet's own permissions
        os.replace(tmp, path)

    def rows(self, after: int = 0) -> list[SheetRow]:
        _, rows = self._read(after)
        return [SheetRow(number, row) for number, row in enumerate(rows, start=1) if number > after]

    def find(self, item_id: str) -> SheetRow | None:
        return next((row for row in self.rows() if row.values.get("item_id") == item_id), None)

    def update_rows(self, updates: Mapping[int, Mapping[str, object]]) -> None:
        if not updates:
            return
        with self._locked():
            header, rows = self._read()
            for number, values in updates.items():
                rows[number - 1].update(stamped(values))
            self._write(header, rows)

    def append_rows(self, rows: list[Mapping[str, object]]) -> list[int]:
        with self._locked():
            header, existing = self._read()
            first = len(existing) + 1
            self._write(header, [*existing, *(stamped(values) for values in rows)])
        return list(range(first, first + len(rows)))

    def update_item(self, item_id: str, values: Mapping[str, object]) -> None:
        with self._locked():
            header, rows = self._read()
            row = next((row for row in rows if row.get("item_id") == item_id), None)
            if row is None:
                raise KeyError(f"no row of content sheet {self.path} has item_id {item_id}")
            row.update(stamped(values))
            self._write(header, rows)


def seed_sheet(path: Path, sample: Path) -> bool:
    """Start a new sheet from the shipped sample ideas; never touch an existing one."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*IDEA_COLUMNS, *STATUS_COLUMNS])
        writer.writeheader()
        writer.writerows(rows)
    return True
