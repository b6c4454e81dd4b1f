"""A content-sheet row becomes a validated `Idea` with a stable partition key, or a reason.

The key is derived from what the row asks for (or taken from its own `item_id`), so the
same row can never make two partitions, and a copy of a row is caught as a duplicate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from anyascii import anyascii
from pydantic import ValidationError

from .languages import UnknownLanguage, language
from .media.caption_presets import UnknownPreset, preset
from .models import ITEM_ID, HookStyle, Idea
from .providers.public_net import Allowance, described, literal, refused
from .text_rules import units

LIMITS = {
    "topic": 120, "category": 40, "facts": 2000, "script": 1500, "hook_style": 20,
    "voice": 30, "language": 10, "target_seconds": 10, "music": 20, "media": 4000, "caption_preset": 20,
}
IDEA_COLUMNS = tuple(LIMITS)
# How an item looks, not what it is: the key ignores them, so changing a row's look re-renders the same item.
UNKEYED = ("caption_preset",)
LOWERCASE = ("category", "hook_style", "language", "music", "caption_preset")  # not voice: ElevenLabs ids have case
MAX_SPOKEN_WORDS = 140  # about 55 s at an unhurried 2.6 words a second
MUSIC_CHOICES = ("none", "ambient")
# Format characters that are part of the text: Persian and Indic words and emoji sequences need the joiners.
JOINERS = "\u200c\u200d"
EDGES = re.compile(rf"^[\s{JOINERS}]+|[\s{JOINERS}]+$")  # a joiner at either end joins nothing
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
PORTS = {"http": 80, "https": 443}


class RowError(ValueError):
    """A row that cannot be produced; the message is written back to the row."""


def clean_text(value: str, limit: int, column: str) -> str:
    """Printable text only: control characters would corrupt captions and the sheet."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch if ch in "\n\t" + JOINERS or unicodedata.category(ch)[0] != "C" else " " for ch in value)
    value = EDGES.sub("", re.sub(r"[ \t]+", " ", value))
    if len(value) > limit:
        raise RowError(f"{column} is longer than {limit} characters")
    return value


def slug(text: str, limit: int = 40) -> str:
    """A readable Latin name for any script: `осьминог` is `osminog`, `ミツバチ` is `mitsubachi`.

    Only what is not ASCII is transliterated (without the apostrophes anyascii writes for a
    soft sign), so an ASCII topic keeps the key it always had.
    """
    latin = "".join(ch if ch.isascii() else anyascii(ch).replace("'", "") for ch in text)
    words = re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-")
    return words[:limit].rstrip("-") or "item"


def split_facts(value: str) -> list[str]:
    """Facts (and media links) are one per line, or separated by `|` in a one-line cell."""
    parts = re.split(r"\s*(?:\n|\|)\s*", value)
    return [part.strip() for part in parts if part.strip()]


def check_media(links: list[str], allowed: Allowance) -> None:
    """Refuse at the sheet what can only be a mistake or a trick: other schemes, credentials, climbing
    out, a host that is an internal address as written (unless `allowed`, SHORTS_MEDIA_ALLOW_NETWORKS).

    Whether a local path is inside SHORTS_MEDIA_ROOT (after symlinks) is the row-media footage's check;
    what a host name resolves to is checked by the download itself, on every connection.
    """
    for number, link in enumerate(links, start=1):
        if "\\" in link:
            raise RowError(f"media {number} has a backslash: separate folders with /")
        if not SCHEME.match(link):
            if ".." in PurePosixPath(link).parts:
                raise RowError(f"media {number} climbs out of the media folder with '..'")
        elif not web_link(link):
            raise RowError(f"media {number} must be an http(s) link with a host, or a path inside the media folder")
        elif "@" in urlsplit(link).netloc:
            raise RowError(f"media {number} carries a user name or password: give a link without them")
        elif internal := internal_host(link, allowed):
            raise RowError(f"media {number} links {internal}: give a public link")


def internal_host(link: str, allowed: Allowance) -> str | None:
    """The link's host described as an internal address when it is one as written (an IP literal in any
    form, `localhost`) and `allowed` does not admit it; else None."""
    parts = urlsplit(link)
    address = literal(parts.hostname)
    port = parts.port or PORTS[parts.scheme.lower()]
    what = refused(address, port, allowed) if address is not None else None
    return described(parts.hostname, address, what) if what else None


def web_link(link: str) -> bool:
    """An http(s) URL with a host; the footage downloads nothing else."""
    try:
        parts = urlsplit(link)
        return parts.scheme.lower() in PORTS and bool(parts.hostname) and parts.port != 0
    except ValueError:  # an unbalanced [ in the host, a port past 65535 or not a number
        return False


def whole_seconds(value: str) -> bool:
    """ASCII digits only: `str.isdigit` also takes '²' and '٣٠'."""
    return re.fullmatch(r"[0-9]+", value) is not None


def item_key(fields: dict[str, str]) -> str:
    """Readable slug of the topic plus a hash of everything the row asks for."""
    wanted = "\x1f".join(re.sub(r"\s+", " ", fields.get(c, "")).strip().lower()
                         for c in IDEA_COLUMNS if c not in UNKEYED)
    return f"{slug(fields['topic'])}-{hashlib.sha256(wanted.encode()).hexdigest()[:8]}"


def is_blank(values: dict[str, str]) -> bool:
    return not any((values.get(column) or "").strip() for column in (*IDEA_COLUMNS, "item_id"))


def idea_from_row(values: dict[str, str], row: int, allowed: Allowance = ()) -> Idea:
    """Validate one row; raise RowError with a reason a person can act on. `allowed` is the
    policy's SHORTS_MEDIA_ALLOW_NETWORKS: internal addresses a media link may name."""
    fields = {column: clean_text(values.get(column) or "", limit, column) for column, limit in LIMITS.items()}
    for column in LOWERCASE:
        fields[column] = fields[column].lower()
    if not fields["topic"]:
        raise RowError("topic is empty")
    fields["language"] = fields["language"].replace("_", "-")  # pt_BR is pt-br
    try:
        spoken_in = language(fields["language"])
    except UnknownLanguage as error:
        raise RowError(str(error)) from None
    lists = {"facts": split_facts(fields["facts"]), "media": split_facts(fields["media"])}
    if not lists["facts"] and not fields["script"]:
        raise RowError("give the facts to tell or a script to read")
    if fields["hook_style"] and fields["hook_style"] not in {h.value for h in HookStyle}:
        raise RowError(f"hook_style must be one of {', '.join(h.value for h in HookStyle)}")
    if fields["music"] and fields["music"] not in MUSIC_CHOICES:
        raise RowError(f"music must be one of {', '.join(MUSIC_CHOICES)}")
    if fields["caption_preset"]:
        try:
            preset(fields["caption_preset"])
        except UnknownPreset as error:
            raise RowError(str(error)) from None
    if fields["target_seconds"] and not whole_seconds(fields["target_seconds"]):
        raise RowError("target_seconds must be a whole number of seconds")
    check_media(lists["media"], allowed)
    spoken = len(units(fields["script"] or fields["facts"], spoken_in))  # words, or phrases where unspaced
    if spoken > MAX_SPOKEN_WORDS:
        raise RowError(f"{spoken} words is too long for a short (at most {MAX_SPOKEN_WORDS})")
    item_id = (values.get("item_id") or "").strip() or item_key(fields)
    if not ITEM_ID.match(item_id):
        raise RowError("item_id must be 3-64 characters of a-z, 0-9 and -")
    given = {k: v for k, v in fields.items() if v and k not in lists}
    try:
        return Idea(item_id=item_id, row=row, **lists, **given)
    except ValidationError as error:
        problem = error.errors()[0]
        raise RowError(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None
