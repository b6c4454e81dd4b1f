"""Language versions: a row's `languages` cell (`en, es, hi`) makes one content item per language.

Each version is keyed `<source item>-<language>`. The source item is the id the row has without
versions (rows.item_key never hashes `languages`), not the first language's item: it does not
depend on which languages are listed or in what order, so adding or dropping a language leaves
every other version's key and history where they were, and it is what the row's item_id cell
shows, so a version is traced to its row by its id alone.

The row's `language` is the language its facts or script are written in. A version in another
language is adapted from them by a writer service (SHORTS_WRITER=openai), or read from the row's
`script_<code>` column (`script_es`, `script_hi`). A column per language rather than one cell of
`en: ... | es: ...`: a sheet shows each script in its own cell, each has its own length limit,
and nothing a script says (a `|`, a `Note:`) can be misread as a switch of language.

Write-back is one cell per column in the source row, each version's part labelled with its
language: `status` reads `en: published · es: producing · hi: failed`, `error` reads
`hi: narration: ...`, and `video_path` and `post_url` likewise. Not rows of their own: the
factory would have to append rows to a sheet people are typing into, right when they add rows
(an append computed from a read can land on a row someone just started), copies of the facts
would drift from the row people edit, and a sort or a filter would scatter an idea's versions.
One row stays one idea: editing it reaches every version's next run. A person acts on all
versions by writing `approved` or `retract` over the whole cell, or on one by editing its part
(`es: approved`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .keys import RowStatus
from .languages import UnknownLanguage, language
from .models import ITEM_ID, Idea, LanguageVersion
from .providers.public_net import Allowance
from .providers.sheets import SheetRow
from .rows import RowError, idea_from_row

COLUMN = "languages"
MAX_VERSIONS = 8  # a run per version: a row should not be able to queue dozens
MAX_ITEM_ID = 64  # models.ITEM_ID: 3-64 characters
CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
PART = re.compile(r"^([a-z]{2,3}(?:-[a-z0-9]{2,8})*):\s*(.*)$", re.DOTALL)
SEPARATOR = " · "
WRITTEN = ("error", "video_path", "post_url")  # the cells besides status that hold a part per version
SETTING = "SHORTS_WRITER=openai"


def script_column(code: str) -> str:
    return f"script_{code}"


def asked(values: Mapping[str, str]) -> list[str]:
    """The language codes of the row's `languages` cell, checked, lower case, each language once (the
    first spelling wins: `pt-br, pt` is one version); [] when the row asks for none."""
    cell = (values.get(COLUMN) or "").strip().lower().replace("_", "-")
    codes: dict[str, str] = {}  # table code -> code as written
    for code in (part for part in re.split(r"[\s,;/|]+", cell) if part):
        if not CODE.fullmatch(code):
            raise RowError(f"languages: {code!r} is not a language code; list codes such as en, es, hi, "
                           "separated by commas")
        try:
            codes.setdefault(language(code).code, code)
        except UnknownLanguage as error:
            raise RowError(f"languages: {error}") from None
    if len(codes) > MAX_VERSIONS:
        raise RowError(f"languages lists {len(codes)} languages; a row makes at most {MAX_VERSIONS} versions: "
                       "split them over two rows")
    return list(codes.values())


def key(source_item: str, code: str) -> str:
    """A version's item id: the source item and the language's table code (`pt-br` and `pt` are one)."""
    return f"{source_item}-{language(code).code}"


def version_voice(voice: str, code: str) -> str:
    """The row's voice, unless it names another language (espeak voices are language codes: `en-us`):
    then the version's language's own offline voice. A voice service's voice id speaks every language."""
    voice = (voice or "").strip()
    try:
        named = language(voice) if voice else None
    except UnknownLanguage:
        return voice
    wanted = language(code)
    return voice if named is wanted else wanted.espeak or ""


def version_idea(values: Mapping[str, str], row: int, code: str, source: Idea, allowed: Allowance,
                 writer_adapts: bool) -> Idea:
    """The idea of one version: the row with this language, its own script or the row's text to adapt."""
    item_id = key(source.item_id, code)
    if not ITEM_ID.match(item_id):  # the source item and the code are valid: only the length can be wrong
        raise RowError(f"item_id {source.item_id} is too long for its language versions ({item_id}): "
                       f"give one of at most {MAX_ITEM_ID - len(item_id) + len(source.item_id)} characters")
    own = (values.get(script_column(code)) or "").strip()
    same = language(code) is language(source.language)
    if not (own or same or writer_adapts):
        name = language(code).name
        raise RowError(f"the {name} version needs a writer service to adapt the row into {name}: set "
                       f"{SETTING}, or give the {name} script in a {script_column(code)} column")
    fields = {**values, "language": code, "script": own or values.get("script") or "",
              "voice": version_voice(values.get("voice") or "", code), "item_id": item_id}
    idea = idea_from_row(fields, row, allowed)
    lineage = LanguageVersion(source_item=source.item_id, source_language=source.language,
                              adapt=not (own or same))
    return idea.model_copy(update={"version": lineage})


def ideas_from_row(values: Mapping[str, str], row: int, allowed: Allowance = (), writer_adapts: bool = False
                   ) -> list[Idea]:
    """The row's idea, or one idea per language it asks for; RowError with a reason otherwise.

    `writer_adapts` is whether the selected writer can adapt a script into another language."""
    source = idea_from_row(dict(values), row, allowed)
    codes = asked(values)
    return [version_idea(values, row, code, source, allowed, writer_adapts) for code in codes] or [source]


def row_of(rows: list[SheetRow], item_id: str) -> tuple[SheetRow, str | None] | None:
    """The row an item comes from, and the language when it is a version of that row."""
    for row in rows:
        own = (row.values.get("item_id") or "").strip()
        if own == item_id:
            return row, None
        if own and item_id.startswith(own + "-"):
            try:
                code = next((code for code in asked(row.values) if key(own, code) == item_id), None)
            except RowError:
                continue
            if code is not None:
                return row, code
    return None


def idea_of(row: SheetRow, code: str | None, allowed: Allowance = (), writer_adapts: bool = False) -> Idea:
    """The idea of the item `row_of` found: the row's own, or its version in `code`."""
    if code is None:
        return idea_from_row(dict(row.values), row.number, allowed)
    source = idea_from_row(dict(row.values), row.number, allowed)
    return version_idea(row.values, row.number, code, source, allowed, writer_adapts)


def parts(cell: str, codes: list[str]) -> dict[str, str]:
    """Each version's part of a summary cell, by code; a cell without parts (a person wrote `approved`
    over it) is every version's."""
    found: dict[str, str] = {}
    for piece in (cell or "").split("·"):
        match = PART.match(piece.strip())
        if match and match[1] in codes:
            found[match[1]] = match[2].strip()
    if not found and (cell or "").strip():
        return dict.fromkeys(codes, cell.strip())
    return found


def statuses(row: SheetRow, codes: list[str]) -> dict[str, str]:
    """Each version's status as the row says it; a version the cell lost counts as asked for."""
    found = parts(row.status, codes)
    return {code: found.get(code, RowStatus.QUEUED.value) for code in codes}


def row_statuses(row: SheetRow) -> list[str]:
    """Every version's status in the row, or the row's own when it asks for no versions (or asks
    badly: then its own status says so)."""
    try:
        codes = asked(row.values)
    except RowError:
        codes = []
    return list(statuses(row, codes).values()) if codes else [row.status]


def item_status(rows: list[SheetRow], item_id: str) -> str | None:
    """What the sheet says of one item (a version's own part of its row's status), or None: no row."""
    found = row_of(rows, item_id)
    if found is None:
        return None
    return status_of(*found)


def status_of(row: SheetRow, code: str | None) -> str:
    """What the row says of its own item (`code` None) or of its version in `code`."""
    return row.status if code is None else statuses(row, asked(row.values))[code]


def joined(values: Mapping[str, str]) -> str:
    return SEPARATOR.join(f"{code}: {value}" for code, value in values.items() if value)


def summary(row: SheetRow, states: Mapping[str, tuple[str, Mapping[str, str]]]) -> dict[str, str]:
    """The source row's cells from every version's status and the cells it would write as a row of its
    own (`states`: code -> (status now, new cells)); a version with no new cells keeps its parts."""
    codes = list(states)
    cells = {"status": joined({code: new.get("status", status) for code, (status, new) in states.items()})}
    for column in WRITTEN:
        old = parts(row.values.get(column) or "", codes)
        cells[column] = joined({code: new.get(column, old.get(code, "")) for code, (_, new) in states.items()})
    return cells


def queued(ideas: list[Idea]) -> dict[str, str]:
    """The row's cells once its ideas are queued: the item id, and a status (one part per version)."""
    source = ideas[0].version.source_item if ideas[0].version else ideas[0].item_id
    status = (joined({idea.language: RowStatus.QUEUED.value for idea in ideas}) if ideas[0].version
              else RowStatus.QUEUED.value)
    return {"item_id": source, "status": status, "error": ""}

