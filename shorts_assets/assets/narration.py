import shutil
from pathlib import Path

from dagster import AssetExecutionContext, Output, ResourceParam, asset

from ..media.probe import measure_loudness
from ..models import MAX_VIDEO_SECONDS, Cost, Idea, MediaFile, Narration, Script, WordTiming
from ..partitions import content_items
from ..providers.voices import Speech, Voice
from ..store import StoreResource, scratch_dir, sha256_file
from . import SERVICE_RETRY, TAIL_SECONDS, cost_metadata, permanent, service_call


def scene_starts(words, scenes: int) -> list[float]:
    """When each scene's first word is heard; a scene with no words starts where the last did."""
    starts = [0.0]
    for index in range(1, scenes):
        heard = [w.start for w in words if w.scene == index]
        starts.append(max(starts[-1], min(heard)) if heard else starts[-1])
    return starts


def cached_speech(store: StoreResource, key: str, out_path: Path) -> Speech | None:
    """A narration this voice already made for the same text and settings, if the store has one."""
    opened = store.open()
    meta = opened.read_json(f"cache/voice/{key}/speech.json")
    if meta is None:
        return None
    shutil.copyfile(opened.local_copy(f"cache/voice/{key}/narration.wav", meta["sha256"], Path(store.cache_dir)),
                    out_path)
    return Speech(path=out_path, sample_rate=meta["sample_rate"], duration_s=meta["duration_s"],
                  words=[WordTiming.model_validate(w) for w in meta["words"]])


def cache_speech(store: StoreResource, key: str, speech: Speech) -> None:
    """Keep a paid narration so rematerializing never pays twice: audio first, then its record."""
    opened = store.open()
    opened.put_file(f"cache/voice/{key}/narration.wav", speech.path, "audio/wav")
    opened.put_json(f"cache/voice/{key}/speech.json", {
        "sha256": sha256_file(speech.path), "sample_rate": speech.sample_rate, "duration_s": speech.duration_s,
        "words": [w.model_dump() for w in speech.words],
    })


@asset(partitions_def=content_items, group_name="production", pool="tts", retry_policy=SERVICE_RETRY)
def narration(
    context: AssetExecutionContext, idea: Idea, script: Script, voice: ResourceParam[Voice], store: StoreResource
) -> Output[Narration]:
    """The script spoken, with a timing for every word and the loudness the render needs."""
    scenes = [s.narration for s in script.scenes]
    out_path = scratch_dir(context) / "narration.wav"
    key = voice.cache_key(scenes, idea.voice)
    speech = cached_speech(store, key, out_path) if key else None
    if speech is None:
        with service_call():
            speech = voice.speak(scenes, idea.voice, out_path)
        if key:
            cache_speech(store, key, speech)
    if speech.duration_s + TAIL_SECONDS > MAX_VIDEO_SECONDS:
        raise permanent(
            f"the narration lasts {speech.duration_s:.1f} s; a short is at most {MAX_VIDEO_SECONDS:.0f} s:"
            " shorten the script or the facts"
        )
    costs: list[Cost] = [speech.cost] if speech.cost else []
    loudness = measure_loudness(speech.path)
    record = Narration(
        item_id=idea.item_id,
        audio=MediaFile(name="narration.wav", mime="audio/wav", path=speech.path),
        duration_s=round(speech.duration_s, 3),
        sample_rate=speech.sample_rate,
        words=speech.words,
        scene_starts=scene_starts(speech.words, len(scenes)),
        loudness=loudness,
        voice=idea.voice,
        provider=type(voice).__name__,
        costs=costs,
    )
    return Output(
        record,
        metadata={
            "duration_s": record.duration_s,
            "words": len(record.words),
            "words_per_second": round(len(record.words) / max(record.duration_s, 0.1), 2),
            "loudness_lufs_before_normalisation": loudness.input_i,
            "voice": record.voice,
            "from_cache": bool(key) and not costs,
            **cost_metadata(costs),
        },
    )
