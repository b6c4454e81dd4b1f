"""Paid media kept in the store, so each generated picture or clip is paid for once.

A generator's output is kept under the hash of everything that changes it (`identity_hash`):
the file as `<stem>.<kind>` and its record `<stem>.json` (its kind and sha256), written last,
so a copy cut short by a crash or a damaged file is never served: it is made anew. The
OpenAI stills (`keys.image_cache`) and the Runway clips (`keys.video_cache`) share this; the
caller holds `parallel.one_at_a_time(key)` around looking and paying, so two scenes of one
step that ask for the same thing wait for one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from ..store import Store


def identity_hash(identity: dict) -> str:
    """Everything that changes the output, hashed: the same hash means the same paid output."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PaidMedia:
    """Outputs kept in `store` at `where(hash, name)` (a function of `keys`), named `<stem>.*`."""

    store: Store
    where: Callable[[str, str], str]
    stem: str

    def kept(self, key: str) -> tuple[bytes, dict] | None:
        """The output kept under `key` and its record, if the store has it whole."""
        record = self.store.read_json(self.where(key, f"{self.stem}.json"))
        data = self.store.read_bytes(self.where(key, f"{self.stem}.{record['kind']}")) if record else None
        if data is None or hashlib.sha256(data).hexdigest() != record["sha256"]:
            return None
        return data, record

    def keep(self, key: str, data: bytes, kind: str, mime: str, **facts) -> None:
        """Keep `data` (of file type `kind`) and then its record, with `facts` about how it was made."""
        self.store.put_bytes(self.where(key, f"{self.stem}.{kind}"), data, mime)
        self.store.put_json(self.where(key, f"{self.stem}.json"),
                            {**facts, "kind": kind, "sha256": hashlib.sha256(data).hexdigest()})
