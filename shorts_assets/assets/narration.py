from dagster import AssetExecutionContext, Output, ResourceParam, asset

from ..media.probe import measure_loudness
from ..models import MAX_VIDEO_SECONDS, Idea, MediaFile, Narration, Script
from ..partitions import content_items
from ..providers.voices import Voice
from ..store import scratch_dir
from . import SERVICE_RETRY, TAIL_SECONDS, bad_input_is_permanent, permanent


def scene_starts(words, scenes: int) -> list[float]:
    """When each scene's first word is heard; a scene with no words starts where the last did."""
    starts = [0.0]
    for index in range(1, scenes):
        heard = [w.start for w in words if w.scene == index]
        starts.append(max(starts[-1], min(heard)) if heard else starts[-1])
    return starts


@asset(partitions_def=content_items, group_name="production", pool="tts", retry_policy=SERVICE_RETRY)
def narration(
    context: AssetExecutionContext, idea: Idea, script: Script, voice: ResourceParam[Voice]
) -> Output[Narration]:
    """The script spoken, with a timing for every word and the loudness the render needs."""
    scenes = script.scenes
    with bad_input_is_permanent():
        speech = voice.speak([s.narration for s in scenes], idea.voice, scratch_dir(context) / "narration.wav")
    if speech.duration_s + TAIL_SECONDS > MAX_VIDEO_SECONDS:
        raise permanent(
            f"the narration lasts {speech.duration_s:.1f} s; a short is at most {MAX_VIDEO_SECONDS:.0f} s:"
            " shorten the script or the facts"
        )
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
    )
    return Output(
        record,
        metadata={
            "duration_s": record.duration_s,
            "words": len(record.words),
            "words_per_second": round(len(record.words) / max(record.duration_s, 0.1), 2),
            "loudness_lufs_before_normalisation": loudness.input_i,
            "voice": record.voice,
        },
    )
