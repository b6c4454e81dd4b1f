import hashlib
import json
import os

import pytest
from dagster import AssetKey, DagsterInstance, PythonObjectDagsterType, build_input_context, build_output_context

from shorts_assets.models import Clip, Clips, Idea, MediaFile, VideoSource
from shorts_assets.partitions import content_items
from shorts_assets.store import LocalStore, StoreIOManager, StoreResource, scratch_dir


def clips_record(folder, payload: bytes) -> Clips:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scene-00.mp4").write_bytes(payload)
    (folder / "preview-00.jpg").write_bytes(b"jpeg")
    media = MediaFile(name="scene-00.mp4", mime="video/mp4", path=folder / "scene-00.mp4")
    preview = MediaFile(name="preview-00.jpg", mime="image/jpeg", path=folder / "preview-00.jpg")
    clip = Clip(scene=0, picture=VideoSource(media=media), preview=preview, source="test")
    return Clips(item_id="bees-1", clips=[clip], provider="t")


def contexts(asset: str, partition: str = "bees-1"):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [partition])
    out = build_output_context(asset_key=AssetKey(asset), partition_key=partition, instance=instance)
    upstream = build_output_context(asset_key=AssetKey(asset))
    into = build_input_context(asset_key=AssetKey(asset), partition_key=partition, upstream_output=upstream,
                               asset_partitions_def=content_items, instance=instance,
                               dagster_type=PythonObjectDagsterType(Clips))
    return out, into


@pytest.fixture(params=["local", "s3"])
def io_manager(request, tmp_path):
    if request.param == "local":
        endpoint, root = None, str(tmp_path / "store")
    else:
        client, bucket = request.getfixturevalue("s3_bucket")
        endpoint, root = client.meta.endpoint_url, f"s3://{bucket}/shorts"
    return StoreIOManager(store=StoreResource(root=root, cache_dir=str(tmp_path / "cache"), s3_endpoint_url=endpoint))


def stored_keys(manager: StoreIOManager) -> list[str]:
    store = manager.store.open()
    if isinstance(store, LocalStore):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "/")
    return sorted(o["Key"].removeprefix(store.prefix + "/") for o in listing.get("Contents", []))


def test_records_are_json_and_media_real_files(io_manager, tmp_path):
    out, into = contexts("clips")
    io_manager.handle_output(out, clips_record(tmp_path / "work", b"\x00mp4 bytes"))
    assert stored_keys(io_manager) == ["clips/bees-1/preview-00.jpg", "clips/bees-1/record.json",
                                       "clips/bees-1/scene-00.mp4"]
    stored = json.loads(io_manager.store.open().read_bytes("clips/bees-1/record.json"))
    assert stored["model"] == "Clips"
    assert stored["record"]["clips"][0]["picture"]["media"]["key"] == "clips/bees-1/scene-00.mp4"
    assert "path" not in stored["record"]["clips"][0]["picture"]["media"]

    loaded = io_manager.load_input(into)
    media = loaded.clips[0].picture.media
    assert media.local().read_bytes() == b"\x00mp4 bytes"
    assert media.sha256 == hashlib.sha256(b"\x00mp4 bytes").hexdigest()
    assert media.bytes == len(b"\x00mp4 bytes")


def test_rematerializing_replaces_media_and_record(io_manager, tmp_path):
    io_manager.handle_output(contexts("clips")[0], clips_record(tmp_path / "one", b"first"))
    io_manager.handle_output(contexts("clips")[0], clips_record(tmp_path / "two", b"second"))
    assert io_manager.load_input(contexts("clips")[1]).clips[0].picture.media.local().read_bytes() == b"second"


def test_unpartitioned_and_media_free_records(io_manager):
    instance = DagsterInstance.ephemeral()
    out = build_output_context(asset_key=AssetKey("idea"), instance=instance)
    io_manager.handle_output(out, Idea(item_id="bees-1", row=1, topic="bees", facts=["f"]))
    assert stored_keys(io_manager) == ["idea/record.json"]


def test_missing_record_says_materialize_first(io_manager):
    _, into = contexts("narration")
    with pytest.raises(FileNotFoundError, match="materialize it first"):
        io_manager.load_input(into)


def test_only_known_record_types_are_loaded(io_manager):
    _, into = contexts("clips")
    io_manager.store.open().put_json("clips/bees-1/record.json", {"model": "Popen", "record": {}})
    with pytest.raises(ValueError, match="unknown record type"):
        io_manager.load_input(into)


def test_non_records_are_refused(io_manager):
    out, _ = contexts("clips")
    with pytest.raises(TypeError, match="must return a record"):
        io_manager.handle_output(out, {"a": 1})


def test_corrupted_media_is_detected_on_download(s3_bucket, tmp_path):
    client, bucket = s3_bucket
    manager = StoreIOManager(store=StoreResource(root=f"s3://{bucket}", cache_dir=str(tmp_path / "cache"),
                                                 s3_endpoint_url=client.meta.endpoint_url))
    out, into = contexts("clips")
    manager.handle_output(out, clips_record(tmp_path / "w", b"good bytes"))
    client.put_object(Bucket=bucket, Key="clips/bees-1/scene-00.mp4", Body=b"truncated")
    with pytest.raises(OSError, match="does not match the sha256"):
        manager.load_input(into)


def test_scratch_folder_is_removed_once_stored(io_manager):
    out, _ = contexts("clips")

    class Step:
        partition_key, has_partition_key, asset_key = "bees-1", True, AssetKey("clips")

    with scratch_dir(Step) as work:
        record = clips_record(work, b"x")
    io_manager.handle_output(out, record)
    assert not work.exists()


def test_scratch_folder_of_a_failed_step_is_removed(tmp_path):
    class Step:
        partition_key, has_partition_key, asset_key = "bees-1", True, AssetKey("clips")

    with pytest.raises(RuntimeError), scratch_dir(Step) as work:
        (work / "clip-00.mp4").write_bytes(b"half a clip")
        raise RuntimeError("the footage service went away")
    assert not work.exists()


def test_local_keys_cannot_leave_the_store(tmp_path):
    with pytest.raises(ValueError, match="leaves the store"):
        LocalStore(tmp_path).path("../outside.json")


def test_stored_files_are_readable_like_any_file(tmp_path):
    store = LocalStore(tmp_path / "store")
    (tmp_path / "x").write_bytes(b"x")
    store.put_file("a/x.mp4", tmp_path / "x", "video/mp4")
    assert store.path("a/x.mp4").stat().st_mode & 0o044 == 0o044 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
