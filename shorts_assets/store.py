"""The store: records as JSON, media as real files, in a local folder or on S3.

Keys come from `keys`: `<asset>/<content_item>/record.json` beside the media files.
Media is written first and the record last, each atomically, so a record that exists
always points at complete media. Nothing is pickled: loading a record parses JSON into
one of the known record models and never executes anything from the bucket.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dagster import AssetKey, ConfigurableIOManager, ConfigurableResource, InputContext, MetadataValue, OutputContext
from pydantic import BaseModel, PrivateAttr

from . import keys
from .models import RECORD_TYPES, MediaFile, Record

FILE_MODE = 0o644  # stored media is for sharing: readable by all, written by the factory
MAX_LINK_HOURS = 168  # S3's presigned URLs (SigV4) are valid for at most 7 days


@dataclass(frozen=True)
class Link:
    """Where a person opens a stored file: a presigned https URL that stops working at `expires`
    (a store on S3), or the file's own `file://` URI (a local store: valid while the file is there)."""

    url: str
    expires: datetime | None = None

    @property
    def path(self) -> str | None:
        """The local file's path, for a person to paste into a player; None for a web link."""
        return unquote(urlsplit(self.url).path) if self.url.startswith("file://") else None

    def shown(self) -> str:
        """The link's lifetime in words, for the metadata beside it."""
        if self.expires is None:
            return "a file on this machine"
        return f"valid until {self.expires:%Y-%m-%d %H:%M} UTC"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Store:
    """Where bytes live. Subclasses implement the four primitives; keys use `/`."""

    def uri(self, key: str) -> str:
        raise NotImplementedError

    def put_file(self, key: str, source: Path, mime: str) -> None:
        raise NotImplementedError

    def read_bytes(self, key: str) -> bytes | None:
        raise NotImplementedError

    def fetch(self, key: str, dest: Path) -> None:
        raise NotImplementedError

    def link(self, key: str) -> Link:
        """A link a person can open without credentials (nothing secret in it)."""
        raise NotImplementedError

    def put_bytes(self, key: str, data: bytes, mime: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload"
            path.write_bytes(data)
            self.put_file(key, path, mime)

    def put_json(self, key: str, value: dict) -> None:
        self.put_bytes(key, json.dumps(value, indent=2, sort_keys=True).encode(), "application/json")

    def read_json(self, key: str) -> dict | None:
        data = self.read_bytes(key)
        return None if data is None else json.loads(data)

    def local_copy(self, key: str, sha256: str, cache_dir: Path) -> Path:
        """A local file with these exact bytes: the cached copy when its hash still matches."""
        dest = cache_dir / sha256[:2] / sha256 / Path(key).name
        if dest.is_file() and sha256_file(dest) == sha256:
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        self.fetch(key, partial)
        if sha256_file(partial) != sha256:
            partial.unlink()
            raise OSError(f"{self.uri(key)} does not match the sha256 its record gives")
        os.replace(partial, dest)
        return dest


class LocalStore(Store):
    def __init__(self, root: Path):
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"store key {key!r} leaves the store")
        return path

    def uri(self, key: str) -> str:
        return self.path(key).as_uri()

    def link(self, key: str) -> Link:
        return Link(self.uri(key))

    def put_file(self, key: str, source: Path, mime: str) -> None:
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it private
        os.replace(tmp, dest)

    def read_bytes(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def fetch(self, key: str, dest: Path) -> None:
        shutil.copyfile(self.path(key), dest)

    def local_copy(self, key: str, sha256: str, cache_dir: Path) -> Path:
        """The stored file itself: no copy is needed on the machine that holds the store."""
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"{self.uri(key)} is missing")
        return path


class S3Store(Store):
    def __init__(self, client, bucket: str, prefix: str, link_lifetime: timedelta = timedelta(hours=MAX_LINK_HOURS)):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")
        self.link_lifetime = link_lifetime

    def object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.object_key(key)}"

    @functools.cached_property
    def signer(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.client.meta.endpoint_url,
                            region_name=self.client.meta.region_name, config=Config(signature_version="s3v4"))

    def link(self, key: str) -> Link:
        """A presigned GET: whoever has it reads this one object until it expires, and nothing else.

        Signed with SigV4 (X-Amz-Expires), which every region takes: boto3 presigns S3 with the
        retired SigV2 unless told, and the store's client (Dagster's S3Resource) cannot be told."""
        seconds = int(self.link_lifetime.total_seconds())
        expires = datetime.now(UTC).replace(microsecond=0) + self.link_lifetime
        url = self.signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.object_key(key)}, ExpiresIn=seconds)
        return Link(url, expires)

    def put_file(self, key: str, source: Path, mime: str) -> None:
        self.client.upload_file(
            str(source), self.bucket, self.object_key(key), ExtraArgs={"ContentType": mime}
        )

    def read_bytes(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return response["Body"].read()

    def fetch(self, key: str, dest: Path) -> None:
        self.client.download_file(self.bucket, self.object_key(key), str(dest))


class StoreResource(ConfigurableResource):
    """Opens the store that `root` names: a folder, or `s3://bucket/prefix`."""

    root: str
    cache_dir: str
    s3_endpoint_url: str | None = None  # S3_ENDPOINT_URL: an S3-compatible service (MinIO, moto); AWS when None
    link_hours: int = MAX_LINK_HOURS  # SHORTS_LINK_HOURS: how long the presigned links in the UI's metadata work

    _store: Store | None = PrivateAttr(default=None)

    def open(self) -> Store:
        if self._store is None:
            if self.root.startswith("s3://"):
                from dagster_aws.s3 import S3Resource  # only a store on S3 pays for importing the AWS integration

                bucket, _, prefix = self.root.removeprefix("s3://").partition("/")
                # S3's own retries (SlowDown, 5xx, dropped connections) are boto3's: 10 attempts
                client = S3Resource(endpoint_url=self.s3_endpoint_url, max_attempts=10).get_client()
                self._store = S3Store(client, bucket, prefix, timedelta(hours=self.link_hours))
            else:
                self._store = LocalStore(Path(self.root))
        return self._store


def media_files(value: object) -> Iterator[MediaFile]:
    """Every MediaFile inside a record, however deeply nested."""
    if isinstance(value, MediaFile):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from media_files(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from media_files(item)


def save_record(store: Store, asset: AssetKey, item: str | None, record: Record) -> str:
    """Write a record (its media already stored) as the asset's record; return its key."""
    key = keys.record(asset, item)
    store.put_json(key, {"model": type(record).__name__, "record": record.model_dump(mode="json")})
    return key


def load_record(store: Store, asset: AssetKey, item: str | None = None) -> Record | None:
    """The asset's record (of `item`) as its model, or None when there is none yet.

    Only the known record models can be named, so a record never makes us run anything.
    """
    key = keys.record(asset, item)
    stored = store.read_json(key)
    if stored is None:
        return None
    model = RECORD_TYPES.get(stored.get("model", ""))
    if model is None:
        raise ValueError(f"{store.uri(key)} holds an unknown record type {stored.get('model')!r}")
    return model.model_validate(stored["record"])


class StoreIOManager(ConfigurableIOManager):
    """Stores each asset's record and media; hands downstream assets local media files.

    A run over several partitions (the analytics cycle's live posts) hands over and gets back
    a dict of records by partition key."""

    store: StoreResource

    def handle_output(self, context: OutputContext, obj: Record | dict[str, Record]) -> None:
        if isinstance(obj, dict) and context.has_asset_partitions and set(obj) == set(context.asset_partition_keys):
            for item in context.asset_partition_keys:
                self.save(context.asset_key, item, obj[item])
            return
        item = context.partition_key if context.has_partition_key else None
        context.add_output_metadata(self.save(context.asset_key, item, obj))

    def save(self, asset: AssetKey, item: str | None, obj: Record) -> dict[str, MetadataValue]:
        """Store the record's new media and then the record; return links to where they went."""
        if not isinstance(obj, Record):
            raise TypeError(f"{asset.to_user_string()} must return a record, not {type(obj).__name__}")
        store = self.store.open()
        prefix = keys.asset_folder(asset, item) + "/"
        metadata, scratch = {}, set()
        try:
            for media in media_files(obj):
                if media.key and not media.key.startswith(prefix):
                    continue  # a reference to another asset's media, already stored
                source = media.local()
                if source.parent.name.startswith(SCRATCH_PREFIX):
                    scratch.add(source.parent)
                media.key = keys.media(asset, item, media.name)
                media.sha256, media.bytes = sha256_file(source), source.stat().st_size
                store.put_file(media.key, source, media.mime)
                metadata[media.name] = MetadataValue.url(store.uri(media.key))
            record_key = save_record(store, asset, item, obj)
        finally:  # stored, or the step fails and a retry makes them anew
            for path in scratch:
                shutil.rmtree(path, ignore_errors=True)
        return {"record": MetadataValue.url(store.uri(record_key)), **metadata}

    def load_input(self, context: InputContext) -> Record | dict[str, Record]:
        if context.has_asset_partitions and typing.get_origin(context.dagster_type.typing_type) is dict:
            # a reader that asks for a dict gets every partition it depends on
            return {item: self.load(context.asset_key, item) for item in context.asset_partition_keys}
        return self.load(context.asset_key, context.asset_partition_key if context.has_asset_partitions else None)

    def load(self, asset: AssetKey, item: str | None) -> Record:
        store = self.store.open()
        record = load_record(store, asset, item)
        if record is None:
            raise FileNotFoundError(f"{store.uri(keys.record(asset, item))} does not exist: materialize it first")
        cache = Path(self.store.cache_dir)
        for media in media_files(record):
            media.path = store.local_copy(media.key, media.sha256, cache)
        return record


SCRATCH_PREFIX = "shorts-scratch-"


@contextmanager
def scratch_dir(context, asset: AssetKey | None = None) -> Iterator[Path]:
    """A fresh folder for a step's media (for `asset`, where the step makes several). The I/O
    manager removes it once it has stored what the step made; a step that fails removes it here."""
    partition = context.partition_key if context.has_partition_key else "all"
    named = (asset or context.asset_key).to_python_identifier()
    path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{named}-{partition}-"))
    try:
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
