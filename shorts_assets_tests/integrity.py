"""The store's promise, checked from outside: every record points at media that is there,
whole, with the sha256 the record gives. Used after fault injection and crashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

from shorts_assets.keys import RECORD_NAME


def media_refs(value) -> Iterable[dict]:
    """Every MediaFile in a stored record's JSON (a dict with key, sha256 and bytes)."""
    if isinstance(value, dict):
        if {"key", "sha256", "bytes", "mime"} <= value.keys():
            yield value
        for inner in value.values():
            yield from media_refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from media_refs(inner)


def broken_records(keys: Iterable[str], read: Callable[[str], bytes | None]) -> tuple[int, int, list[str]]:
    """(records checked, media checked, problems) over the store keys given."""
    records = media = 0
    problems = []
    for key in keys:
        if not key.endswith("/" + RECORD_NAME):
            continue
        records += 1
        stored = json.loads(read(key))
        for ref in media_refs(stored["record"]):
            media += 1
            data = read(ref["key"])
            if data is None:
                problems.append(f"{key} names {ref['key']}, which is missing")
            elif len(data) != ref["bytes"] or hashlib.sha256(data).hexdigest() != ref["sha256"]:
                problems.append(f"{key} names {ref['key']}, whose bytes differ ({len(data)} of {ref['bytes']})")
    return records, media, problems


def s3_keys(client, bucket: str, prefix: str) -> list[str]:
    """Every key under `prefix/`, without the prefix, as the store names them."""
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        keys += [item["Key"].removeprefix(prefix + "/") for item in page.get("Contents", [])]
    return keys
