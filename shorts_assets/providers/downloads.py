"""Downloads for footage: the file behind a link, streamed with a size limit and kept in a
cache by content hash, found again by a key (a Pexels file id, a URL), so a retried step or a
second scene never downloads the same file twice (nor two scenes at once). Only a file ffmpeg can decode is kept: a
corrupt one is never served from the cache. The caller passes a client from `public_net`, so
a link never reaches the factory's own network unless SHORTS_MEDIA_ALLOW_NETWORKS lets it.

A file that cannot be used is `Unusable`; each provider decides what that means. A 429 or 5xx
answer, or a dropped connection, is a `TransientError`.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from shorts_assets.media.ffmpeg import MediaError
from shorts_assets.media.probe import check_decodes
from shorts_assets.parallel import one_at_a_time
from shorts_assets.providers import TransientError
from shorts_assets.providers.http_errors import retry_after
from shorts_assets.providers.public_net import PrivateAddress

CHUNK = 1 << 16
MB = 1024 * 1024


class Unusable(Exception):
    """The file behind a link cannot be used (too big, wrong type, gone). Each provider
    decides what that means: Pexels moves on (NoFootage), a row's own link is a bad row."""


def public_url(url: str) -> str:
    """A URL without credentials, query or fragment (signed links carry tokens there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


def rate_limit_wait(response: httpx.Response) -> float | None:
    """How long a 429 asks us to wait: Retry-After, else Pexels' X-Ratelimit-Reset (the UNIX
    time the limit resets; a small number is read as seconds from now)."""
    wait = retry_after(response.headers)
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    if wait is None and re.fullmatch(r"\d+(\.\d+)?", reset):
        value = float(reset)
        wait = max(0.0, value - time.time()) if value > 1e9 else value
    return wait


def transient(response: httpx.Response, what: str) -> TransientError | None:
    """A TransientError for 429 and 5xx answers (with the server's wait), else None."""
    if response.status_code == 429:
        return TransientError(f"{what} answered HTTP 429", rate_limit_wait(response))
    if response.status_code >= 500:
        return TransientError(f"{what} answered HTTP {response.status_code}", retry_after(response.headers))
    return None


@dataclass(frozen=True)
class Download:
    path: Path
    mime: str
    sha256: str
    downloaded: bool  # False when it came from the cache


class DownloadCache:
    """Files kept as `blobs/<sha256>.<ext>`, found again through `keys/<sha256 of key>.json`."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def fetch(self, client: httpx.Client, url: str, key: str, max_bytes: int,
              accept: Callable[[str], str]) -> Download:
        """The file behind `url`, from the cache when `key` was fetched before.

        `accept(content_type)` returns the MIME type to keep or raises `Unusable`.
        """
        with one_at_a_time(f"{self.root.absolute()}\x00{key}"):  # two scenes that need one file fetch it once
            return self.lookup(key) or self._remember(key, self._download(client, url, max_bytes, accept))

    def lookup(self, key: str) -> Download | None:
        try:
            entry = json.loads(self._key_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        path = self.root / "blobs" / entry["name"]
        return Download(path, entry["mime"], entry["sha256"], downloaded=False) if path.is_file() else None

    def _key_path(self, key: str) -> Path:
        return self.root / "keys" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def _remember(self, key: str, download: Download) -> Download:
        entry = {"sha256": download.sha256, "mime": download.mime, "name": download.path.name}
        self._atomic_write(self._key_path(key), json.dumps(entry).encode())
        return download

    def _atomic_write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".part-", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)

    def _download(self, client: httpx.Client, url: str, max_bytes: int, accept: Callable[[str], str]) -> Download:
        where = public_url(url)
        blobs = self.root / "blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=blobs, prefix=".part-", delete=False) as handle:
            part = Path(handle.name)
            try:
                with client.stream("GET", url) as response:
                    if error := transient(response, where):
                        raise error
                    if response.status_code >= 400:
                        raise Unusable(f"{where} answered HTTP {response.status_code}")
                    mime = accept(response.headers.get("content-type", "").split(";")[0].strip().lower())
                    digest = _stream_to(response, handle, max_bytes, where)
                handle.close()  # flushed, so the checks read what was written
                _check_signature(part, mime, where)
                _check_playable(part, where)
            except httpx.TransportError as error:
                part.unlink(missing_ok=True)
                raise TransientError(f"downloading {where} failed: {type(error).__name__}") from error
            except PrivateAddress as error:
                part.unlink(missing_ok=True)
                raise Unusable(f"{where} leads to {error}") from error
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        path = blobs / f"{digest}{mimetypes.guess_extension(mime) or ''}"
        os.replace(part, path)
        return Download(path, mime, digest, downloaded=True)


def _stream_to(response: httpx.Response, handle, max_bytes: int, where: str) -> str:
    """Write the body to `handle`, stopping as soon as it passes `max_bytes`; its sha256."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise Unusable(f"{where} is {int(declared) / MB:.1f} MB, over the {max_bytes / MB:g} MB limit")
    digest, size = hashlib.sha256(), 0
    for chunk in response.iter_bytes(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise Unusable(f"{where} is over the {max_bytes / MB:g} MB limit")
        digest.update(chunk)
        handle.write(chunk)
    return digest.hexdigest()


def _check_signature(path: Path, mime: str, where: str) -> None:
    """An MP4 starts with an 'ftyp' box; anything else (an error page, say) is not one."""
    if mime == "video/mp4":
        with open(path, "rb") as handle:
            if handle.read(8)[4:8] != b"ftyp":
                raise Unusable(f"{where} is not an MP4 file (no 'ftyp' box)")


def _check_playable(path: Path, where: str) -> None:
    """ffmpeg must decode a first picture: a truncated or corrupt file is refused before it is cached."""
    try:
        check_decodes(path)
    except MediaError as error:
        raise Unusable(f"{where} is not a playable video or image (ffmpeg cannot decode it)") from error

