"""A fake Google Sheets API v4 with the service-account token endpoint, for gspread.

It keeps one grid of strings per worksheet and answers the calls the GoogleSheet provider
makes through gspread: the spreadsheet metadata, values.get of an A1 range ('ideas',
'ideas'!1:1, 'ideas'!A1:Z100, 'ideas'!C5), values.batchUpdate, and spreadsheets.batchUpdate's
appendDimension. Like Google it trims empty cells off the ends of what it returns, refuses
writes outside a worksheet's grid, and wants a bearer token its own /token endpoint issued.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from . import FakeServer, Request, Response

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RANGE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))(?:!([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?)?$", re.IGNORECASE)
ROUTES = (
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)$"), "metadata"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+):batchUpdate$"), "batch_update"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchUpdate$"), "values_batch_update"),
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/([^/:]+)$"), "values_get"),
)


def error(code: int, status: str, message: str) -> Response:
    return Response(code, {"error": {"code": code, "message": message, "status": status}})


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


@dataclass
class Tab:
    sheet_id: int
    cells: list[list[str]]
    row_count: int = 1000
    column_count: int = 26


@dataclass
class Area:
    """A parsed A1 range: 1-based, inclusive; None for an open end."""

    title: str
    top: int
    left: int
    bottom: int | None
    right: int | None


class FakeSheets(FakeServer):
    """One spreadsheet `key` whose worksheets are `tabs` (title -> rows of cells), each
    `column_count` columns wide (a new Google sheet has 26)."""

    def __init__(self, tabs: dict[str, list[list[str]]], key: str = "sheet-key", column_count: int = 26):
        super().__init__()
        self.key = key
        self.sheets = {
            title: Tab(index, [list(row) for row in rows], column_count=column_count)
            for index, (title, rows) in enumerate(tabs.items())
        }
        self.issued: set[str] = set()
        self.assertions: list[dict] = []  # the JWT claims of each token request

    def grid(self, title: str) -> list[list[str]]:
        """The worksheet's cells as stored, every row padded to the widest."""
        cells = self.sheets[title].cells
        width = max((len(row) for row in cells), default=0)
        return [row + [""] * (width - len(row)) for row in cells]

    def records(self, title: str) -> list[dict[str, str]]:
        """The rows below the header as dicts keyed by header name."""
        header, *rows = self.grid(title)
        return [dict(zip(header, row, strict=True)) for row in rows]

    def handle(self, request: Request) -> Response:
        if request.path == "/token" and request.method == "POST":
            return self.token(request)
        for method, pattern, name in ROUTES:
            match = pattern.match(request.path)
            if match and request.method == method:
                if self.bearer(request) not in self.issued:
                    return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
                key, *rest = (unquote(part) for part in match.groups())
                if key != self.key:
                    return error(404, "NOT_FOUND", "Requested entity was not found.")
                return getattr(self, name)(request, *rest)
        return error(404, "NOT_FOUND", f"no route for {request.method} {request.path}")

    @staticmethod
    def bearer(request: Request) -> str:
        authorization = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        return authorization.removeprefix("Bearer ")

    def token(self, request: Request) -> Response:
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != JWT_GRANT:
            return Response(400, {"error": "unsupported_grant_type"})
        payload = form["assertion"].split(".")[1]
        self.assertions.append(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
        token = f"ya29.fake-{len(self.assertions)}"
        self.issued.add(token)
        return Response(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def metadata(self, request: Request) -> Response:
        sheets = [
            {"properties": {"sheetId": tab.sheet_id, "title": title, "index": tab.sheet_id, "sheetType": "GRID",
                            "gridProperties": {"rowCount": tab.row_count, "columnCount": tab.column_count}}}
            for title, tab in self.sheets.items()
        ]
        return Response(200, {"spreadsheetId": self.key, "properties": {"title": "content sheet"}, "sheets": sheets})

    def batch_update(self, request: Request) -> Response:
        for change in request.json()["requests"]:
            append = change.get("appendDimension")
            if append is None:
                return error(400, "INVALID_ARGUMENT", f"the fake does not support {sorted(change)}")
            tab = next(tab for tab in self.sheets.values() if tab.sheet_id == append["sheetId"])
            if append["dimension"] == "COLUMNS":
                tab.column_count += append["length"]
            else:
                tab.row_count += append["length"]
        return Response(200, {"spreadsheetId": self.key, "replies": [{} for _ in request.json()["requests"]]})

    def values_get(self, request: Request, range_name: str) -> Response:
        area = self.area(range_name)
        if isinstance(area, Response):
            return area
        cells = self.sheets[area.title].cells
        rows = cells[area.top - 1 : area.bottom]
        values = [row[area.left - 1 : area.right] for row in rows]
        values = [row[: max((i + 1 for i, cell in enumerate(row) if cell != ""), default=0)] for row in values]
        while values and not values[-1]:
            values.pop()
        body = {"range": range_name, "majorDimension": "ROWS"}
        return Response(200, {**body, "values": values} if values else body)

    def values_batch_update(self, request: Request) -> Response:
        body = request.json()
        if body.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            return error(400, "INVALID_ARGUMENT", "Invalid valueInputOption")
        return self.write(body["data"])

    def write(self, data: list[dict]) -> Response:
        """Checks every range first, so a refused request changes nothing, as with Google."""
        areas = []
        for item in data:
            area = self.area(item["range"])
            if isinstance(area, Response):
                return area
            tab = self.sheets[area.title]
            width = max((len(row) for row in item["values"]), default=0)
            if area.top + len(item["values"]) - 1 > tab.row_count or area.left + width - 1 > tab.column_count:
                return error(400, "INVALID_ARGUMENT", f"Range ({item['range']}) exceeds grid limits. "
                             f"Max rows: {tab.row_count}, max columns: {tab.column_count}")
            areas.append(area)
        for area, item in zip(areas, data, strict=True):
            self.put(self.sheets[area.title].cells, area, item["values"])
        total = sum(len(row) for item in data for row in item["values"])
        return Response(200, {"spreadsheetId": self.key, "totalUpdatedCells": total,
                              "totalUpdatedSheets": len({area.title for area in areas}),
                              "responses": [{"updatedRange": item["range"]} for item in data]})

    @staticmethod
    def put(cells: list[list[str]], area: Area, values: list[list]) -> None:
        for r, row in enumerate(values, start=area.top - 1):
            while len(cells) <= r:
                cells.append([])
            for c, value in enumerate(row, start=area.left - 1):
                cells[r].extend([""] * (c + 1 - len(cells[r])))
                cells[r][c] = "" if value is None else str(value)

    def area(self, range_name: str) -> Area | Response:
        match = RANGE.match(range_name)
        title = match and (match[1].replace("''", "'") if match[1] else match[2])
        if not match or title not in self.sheets:
            return error(400, "INVALID_ARGUMENT", f"Unable to parse range: {range_name}")
        left, top, right, bottom = match[3], match[4], match[5], match[6]
        if right is None and bottom is None:  # one cell, or no cells named: the whole sheet
            right, bottom = left, top
        return Area(
            title,
            top=int(top) if top else 1,
            left=column_number(left) if left else 1,
            bottom=int(bottom) if bottom else None,
            right=column_number(right) if right else None,
        )
