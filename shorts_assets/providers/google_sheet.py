"""The content sheet in Google Sheets, read and written through gspread with a service account.

It behaves like `CsvSheet`: columns are found by header name wherever they are, data rows
are numbered from 1 below the header, and the status columns are added to the header the
first time something is written. Writes go cell by cell in one values.batchUpdate with
valueInputOption RAW, every value through `safe_cell`, so a call costs one write request,
never touches cells people are editing, and nothing written can become a formula.

Over 300 lines on purpose: everything that knows the Sheets API (its client, credentials,
error reasons and grid limits) stays in this one module, as each vendor has one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import gspread
import requests
from dagster import ConfigurableResource
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.service_account import Credentials
from gspread.exceptions import APIError
from gspread.utils import ValueInputOption, absolute_range_name, rowcol_to_a1
from pydantic import Field, PrivateAttr

from . import PermanentError, TransientError
from .http_errors import PASSING, retried, retry_after, scrub
from .sheets import STATUS_COLUMNS, SheetRow, safe_cell, stamped

GOOGLE_SHEETS_ROOT = "https://sheets.googleapis.com"  # the root gspread.urls builds every URL on
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)  # this sheet only, not the account's Drive
KEY_VARIABLES = "GOOGLE_APPLICATION_CREDENTIALS (or SHORTS_GOOGLE_CREDENTIALS_JSON)"


class _Busy(TransientError):
    """Google answered 408, 429 or 5xx: worth asking again; carries the answer for `_explain`."""

    def __init__(self, error: APIError):
        super().__init__(f"HTTP {error.response.status_code}", retry_after(error.response.headers))
        self.error = error


class RootedHTTPClient(gspread.HTTPClient):
    """gspread's client, sending its Sheets requests to `api_root` instead of Google.

    gspread builds every URL from the constants in gspread.urls; rewriting the root here, in
    this one client, leaves those constants alone for any other gspread user in the process.

    One retry layer (gspread's own back-off is not used): `retried` asks again after a 408, 429
    or 5xx (after its Retry-After), a timeout or a dropped connection, starting no attempt past
    DEADLINE_S. A call therefore ends within DEADLINE_S plus one request's timeout, which keeps
    a sensor tick well inside Dagster's sensor timeout while the service is down; a step's
    RetryPolicy waits longer between its attempts.
    """

    DEADLINE_S = 12.0

    def __init__(self, auth: Credentials, api_root: str = GOOGLE_SHEETS_ROOT, timeout: float = 10.0):
        super().__init__(auth)
        self.api_root = api_root.rstrip("/")
        self.set_timeout((min(10.0, timeout), timeout))  # to connect, to read

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        if endpoint.startswith(GOOGLE_SHEETS_ROOT):
            endpoint = self.api_root + endpoint.removeprefix(GOOGLE_SHEETS_ROOT)
        try:
            return retried(partial(self._once, method, endpoint, *args, **kwargs), f"Google Sheets {method}",
                           deadline_s=self.DEADLINE_S)
        except _Busy as busy:
            raise busy.error from None  # the last answer, for `_explain`

    def _once(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            return super().request(method, endpoint, *args, **kwargs)
        except APIError as error:
            if error.response.status_code in PASSING:
                raise _Busy(error) from None
            raise
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransientError(f"Google Sheets could not be reached ({type(error).__name__})") from error


class OffGoogleCredentials(Credentials):
    """Service-account credentials for a Sheets API root that is not Google's (a compatible server,
    a proxy, a test fake). google-auth would otherwise ask Google's IAM, in a background thread,
    which regions the account may reach: a header meant for Google's own endpoints only."""

    def _is_regional_access_boundary_lookup_required(self) -> bool:
        return False


SIGNED_IN: dict[tuple[str, str], Credentials] = {}  # by the key's hash, never the key itself
MAX_ROWS = 1_000_000  # the open end of "the rows below": Sheets has at most 10 million cells


class GoogleSheet(ConfigurableResource):
    """A Google Sheets worksheet as the content sheet, shared with a service account as editor."""

    spreadsheet_key: str = Field(description="the id between /d/ and /edit in the sheet's address")
    worksheet: str = Field(default="ideas", description="the tab holding the content rows")
    credentials_file: str | None = Field(default=None, description="path of the service account's JSON key")
    credentials_json: str | None = Field(
        default=None, repr=False, description="the service account's JSON key itself, for containers"
    )
    api_root: str = Field(default=GOOGLE_SHEETS_ROOT, description="where the Sheets API is served")
    timeout: float = Field(default=10.0, description="seconds for an answer (SHORTS_SERVICE_TIMEOUT_S); a sensor "
                           "tick waits at most RootedHTTPClient.DEADLINE_S plus this")

    _credentials: Credentials | None = PrivateAttr(default=None)
    _header: list[str] | None = PrivateAttr(default=None)  # as `rows` read it: a tick reads the sheet once

    # The Sheet protocol

    def rows(self, after: int = 0) -> list[SheetRow]:
        """Only the rows below `after` are fetched: a sheet of 10,000 handled rows costs nothing."""
        with self._client() as client:
            if after:
                header, _ = self._table(client, absolute_range_name(self.worksheet, "1:1"))
                below = absolute_range_name(self.worksheet, f"{after + 2}:{MAX_ROWS}")
                data = client.values_get(self.spreadsheet_key, below).get("values", [])
            else:
                header, data = self._table(client)
        self._header, columns = header, self._columns(header)
        return [
            SheetRow(number, {name: cell(row, index) for name, index in columns.items()})
            for number, row in enumerate(data, start=after + 1)
        ]

    def find(self, item_id: str) -> SheetRow | None:
        return next((row for row in self.rows() if row.values.get("item_id") == item_id), None)

    def update_rows(self, updates: Mapping[int, Mapping[str, object]]) -> None:
        if not updates:
            return
        with self._client() as client:
            header = self._header or self._table(client, absolute_range_name(self.worksheet, "1:1"))[0]
            self._write(client, header, {number: stamped(values) for number, values in updates.items()})

    def update_item(self, item_id: str, values: Mapping[str, object]) -> None:
        with self._client() as client:
            header, data = self._table(client)
            column = self._columns(header).get("item_id")
            numbers = [n for n, row in enumerate(data, start=1) if column is not None and cell(row, column) == item_id]
            if not numbers:
                raise KeyError(f"no row of worksheet '{self.worksheet}' of Google Sheet {self.spreadsheet_key} "
                               f"has item_id {item_id}")
            self._write(client, header, {numbers[0]: stamped(values)})

    def append_rows(self, rows: list[Mapping[str, object]]) -> list[int]:
        with self._client() as client:
            header, data = self._table(client)
            numbers = list(range(len(data) + 1, len(data) + 1 + len(rows)))
            self._grow(client, height=numbers[-1] + 1 if numbers else 0)
            self._write(client, header, {n: stamped(values) for n, values in zip(numbers, rows, strict=True)})
        return numbers

    # Reading and writing

    def _table(self, client: RootedHTTPClient, range_name: str | None = None) -> tuple[list[str], list[list]]:
        """The header and the data rows of the worksheet's used range (or of `range_name`)."""
        answer = client.values_get(self.spreadsheet_key, range_name or absolute_range_name(self.worksheet))
        values = answer.get("values", [])
        header = [str(name).strip() for name in values[0]] if values else []
        if "topic" not in header:
            raise ValueError(f"worksheet '{self.worksheet}' of Google Sheet {self.spreadsheet_key} "
                             "has no 'topic' column in its first row")
        return header, values[1:]

    @staticmethod
    def _columns(header: list[str]) -> dict[str, int]:
        """Column index by name; the first of two same-named columns wins."""
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            if name:
                columns.setdefault(name, index)
        return columns

    def _write(self, client: RootedHTTPClient, header: list[str], updates: Mapping[int, Mapping[str, str]]) -> None:
        """One values.batchUpdate: the missing status columns' header cells and every changed cell."""
        missing = [name for name in STATUS_COLUMNS if name not in header]
        if missing:
            self._grow(client, width=len(header) + len(missing))
        cells = [(1, len(header) + i, name) for i, name in enumerate(missing)]
        columns = self._columns(header + missing)
        cells += [
            (number + 1, columns[name], value)
            for number, values in updates.items()
            for name, value in values.items()
            if name in columns  # like CsvSheet: values for columns the sheet lacks are dropped
        ]
        data = [
            {"range": absolute_range_name(self.worksheet, rowcol_to_a1(row, index + 1)), "values": [[safe_cell(value)]]}
            for row, index, value in cells
        ]
        client.values_batch_update(self.spreadsheet_key, {"valueInputOption": ValueInputOption.raw, "data": data})
        self._header = header + missing

    def _grow(self, client: RootedHTTPClient, width: int = 0, height: int = 0) -> None:
        """The values API refuses cells beyond the grid: add columns for a wider header, and rows
        for rows appended past a full grid (a new sheet has 1,000)."""
        metadata = client.fetch_sheet_metadata(self.spreadsheet_key)
        tab = next((s["properties"] for s in metadata["sheets"] if s["properties"]["title"] == self.worksheet), None)
        if tab is None:
            raise PermanentError(self._no_worksheet())
        grid = tab["gridProperties"]
        requests = [
            {"appendDimension": {"sheetId": tab["sheetId"], "dimension": dimension, "length": wanted - have}}
            for dimension, wanted, have in (("COLUMNS", width, grid["columnCount"]), ("ROWS", height, grid["rowCount"]))
            if wanted > have
        ]
        if requests:
            client.batch_update(self.spreadsheet_key, {"requests": requests})

    # Credentials and errors

    @contextmanager
    def _client(self) -> Iterator[RootedHTTPClient]:
        """A client for one call; Google's errors become ours."""
        try:
            yield RootedHTTPClient(self._service_account(), self.api_root, self.timeout)
        except APIError as error:
            raise self._explain(error) from None  # gspread's error quotes Google's answer, echoes and all
        except RefreshError as error:
            if error.retryable:
                raise TransientError(f"Google's token endpoint failed: {error.args[0]}") from error
            raise PermanentError(
                f"Google refused the service account's key ({error.args[0]}): set {KEY_VARIABLES} "
                "to a current JSON key of the service account"
            ) from error
        except (requests.ConnectionError, requests.Timeout, TransportError) as error:
            raise TransientError(f"Google Sheets could not be reached ({type(error).__name__})") from error

    def _service_account(self) -> Credentials:
        """The credentials of this key, shared by the process so the access token is reused until
        it expires: Dagster builds the resource anew for every sensor tick."""
        if self._credentials is None:
            source, info = self._key()
            kind = Credentials if self.api_root.rstrip("/") == GOOGLE_SHEETS_ROOT else OffGoogleCredentials
            known = (kind.__name__, hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest())
            if known not in SIGNED_IN:
                try:
                    SIGNED_IN[known] = kind.from_service_account_info(info, scopes=SCOPES)
                except ValueError as error:
                    raise PermanentError(f"{source} holds an unusable service-account key ({error}): "
                                         "create a new JSON key for the service account") from None
            self._credentials = SIGNED_IN[known]
        return self._credentials

    def _key(self) -> tuple[str, dict]:
        """The service account's JSON key and the variable it came from."""
        if self.credentials_json:
            source, text = "SHORTS_GOOGLE_CREDENTIALS_JSON", self.credentials_json
        elif self.credentials_file:
            source = "GOOGLE_APPLICATION_CREDENTIALS"
            try:
                text = Path(self.credentials_file).read_text(encoding="utf-8")
            except OSError as error:
                raise PermanentError(f"cannot read the service-account key {self.credentials_file} "
                                     f"({error.strerror}): set GOOGLE_APPLICATION_CREDENTIALS to its path") from None
        else:
            raise PermanentError(f"no Google service account: set {KEY_VARIABLES} to its JSON key")
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if not isinstance(info, dict) or info.get("type") != "service_account":
            raise PermanentError(f"{source} is not a service account's JSON key: create one in the Google Cloud "
                                 "console under IAM > Service accounts > Keys")
        return source, info

    def _explain(self, error: APIError) -> PermanentError | TransientError:
        """What a person must do about Google's answer, or a TransientError once our retries gave up."""
        status = error.response.status_code
        token = error.response.request.headers.get("Authorization", "").removeprefix("Bearer ")
        message = scrub(str(error.error.get("message", "")), token)  # a server may echo the token it was sent
        reasons = {detail.get("reason") for detail in error.error.get("details", []) if isinstance(detail, dict)}
        if status in (401, 403) and "SERVICE_DISABLED" in reasons:
            return PermanentError("the Google Sheets API is disabled in the service account's project: "
                                  "enable it in the Google Cloud console (APIs & Services)")
        if status == 401:
            return PermanentError(f"Google Sheets did not accept the service account's token (401): set "
                                  f"{KEY_VARIABLES} to a current JSON key of the service account")
        if status == 403:
            email = self._credentials.service_account_email if self._credentials else "the service account"
            return PermanentError(
                f"Google Sheets refused access to spreadsheet {self.spreadsheet_key} (403): share the sheet "
                f"as Editor with {email}, or set {KEY_VARIABLES} to the key of an account it is shared with"
            )
        if status == 404:
            return PermanentError(f"Google Sheets has no spreadsheet {self.spreadsheet_key}: set "
                                  "SHORTS_GOOGLE_SHEET_KEY to the id between /d/ and /edit in the sheet's address")
        if status in (408, 429) or status >= 500:
            return TransientError(f"Google Sheets is busy ({status}: {message}) after retrying",
                                  retry_after=retry_after(error.response.headers))
        if status == 400 and message.startswith("Unable to parse range"):
            return PermanentError(self._no_worksheet())
        return PermanentError(f"Google Sheets rejected the request ({status}): {message}")

    def _no_worksheet(self) -> str:
        return (f"Google Sheet {self.spreadsheet_key} has no worksheet '{self.worksheet}': "
                "set SHORTS_GOOGLE_WORKSHEET to the name of its tab")


def cell(row: list, index: int) -> str:
    """Google leaves empty cells off the end of a row."""
    return str(row[index]) if index < len(row) else ""
