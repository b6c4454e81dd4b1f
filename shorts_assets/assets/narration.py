import shutil
import wave
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Output

from .. import keys
from ..languages import Language, language
from ..media.probe import measure_loudness
from ..models import MAX_VIDEO_SECONDS, Cost, Idea, MediaFile, Narration, Script, WordTiming
from ..pacing import WORDS_PER_SECOND
from ..parallel import in_order, one_at_a_time
from ..policy import Policy
from ..providers.voices import Speech, Voice
from ..review_pages import link_entries
from ..store import StoreResource, scratch_dir, sha256_file
from ..text_rules import units
from . import TAIL_SECONDS, cost_metadata, permanent, service_call

NARRATION = AssetKey("narration")


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
    meta = opened.read_json(keys.voice_cache(key, "speech.json"))
    if meta is None:
        return None
    shutil.copyfile(opened.local_copy(keys.voice_cache(key, "narration.wav"), meta["sha256"], Path(store.cache_dir)),
                    out_path)
    return Speech(path=out_path, sample_rate=meta["sample_rate"], duration_s=meta["duration_s"],
                  words=[WordTiming.model_validate(w) for w in meta["words"]])


def cache_speech(store: StoreResource, key: str, speech: Speech) -> None:
    """Keep a paid narration so rematerializing never pays twice: audio first, then its record."""
    opened = store.open()
    opened.put_file(keys.voice_cache(key, "narration.wav"), speech.path, "audio/wav")
    opened.put_json(keys.voice_cache(key, "speech.json"), {
        "sha256": sha256_file(speech.path), "sample_rate": speech.sample_rate, "duration_s": speech.duration_s,
        "words": [w.model_dump() for w in speech.words],
    })


def join_speech(parts: list[Speech], out_path: Path) -> Speech:
    """Scene narrations end to end in one WAV; each word keeps its place and gets its scene."""
    words: list[WordTiming] = []
    offset = 0.0
    with wave.open(str(out_path), "wb") as out:
        for scene, part in enumerate(parts):
            with wave.open(str(part.path), "rb") as audio:
                if scene == 0:
                    out.setparams(audio.getparams())
                elif (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) != (
                        out.getframerate(), out.getnchannels(), out.getsampwidth()):
                    raise ValueError(f"scene {scene}'s audio has another format than scene 0's")
                frames = audio.readframes(audio.getnframes())
                out.writeframes(frames)
            words += [w.model_copy(update={"start": w.start + offset, "end": w.end + offset, "scene": scene})
                      for w in part.words]
            offset += len(frames) / (out.getsampwidth() * out.getnchannels() * out.getframerate())
    return Speech(path=out_path, sample_rate=parts[0].sample_rate, duration_s=offset, words=words)


def speak_scenes(voice: Voice, store: StoreResource, scenes: list[str], name: str, spoken_in: Language,
                 work: Path, at_once: int) -> tuple[Speech, list[Cost], int]:
    """The narration, and what it cost, and how many scenes were spoken anew.

    A voice that charges is asked one scene at a time, `at_once` scenes together, and each
    scene is kept under the hash of its text and settings, so an edited script pays only for
    the scenes that changed. A free voice (no cache key) speaks the whole narration at once.
    """
    out_path = work / "narration.wav"
    if voice.cache_key(scenes[:1], name, spoken_in) is None:
        with service_call():
            speech = voice.speak(scenes, name, out_path, spoken_in)
        return speech, [speech.cost] if speech.cost else [], len(scenes)

    def scene(index: int) -> tuple[Speech, bool]:
        """Scene `index` spoken, and whether it was spoken now (else it was kept)."""
        key = voice.cache_key([scenes[index]], name, spoken_in)
        part_path = work / f"scene-{index:02d}.wav"
        with one_at_a_time(key):
            part = cached_speech(store, key, part_path)
            if part is not None:
                return part, False
            part = voice.speak([scenes[index]], name, part_path, spoken_in)
            cache_speech(store, key, part)
            return part, True

    with service_call():
        done = in_order(scene, range(len(scenes)), at_once)
    costs = [part.cost for part, new in done if new and part.cost]
    return join_speech([part for part, _ in done], out_path), costs, sum(new for _, new in done)


def too_long(seconds: float, scenes: list[str], spoken_in: Language, name: str) -> str:
    """Why a narration is too long for a short, blaming the right thing: a voice that takes over twice
    the time the words need is not reading the language (espeak spells out what it cannot read)."""
    words = sum(len(units(scene, spoken_in)) for scene in scenes)
    said = f"the narration lasts {seconds:.1f} s; a short is at most {MAX_VIDEO_SECONDS:.0f} s"
    if seconds > 2 * words / WORDS_PER_SECOND:
        return (f"{said}, over twice as long as {words} words take to say, so the voice {name!r} is not reading "
                f"{spoken_in.name}: leave the row's voice empty for its language's own voice, or select a voice "
                "service that speaks it (SHORTS_VOICE=elevenlabs)")
    return f"{said}: shorten the script or the facts"


def narrate(
    context: AssetExecutionContext, idea: Idea, script: Script, voice: Voice, store: StoreResource, policy: Policy,
) -> Output[Narration]:
    """The `narration` asset: the script spoken, with a timing for every word and the loudness the
    render needs. Waits when the day's budget is spent."""
    policy.hold_paid_work(context.instance, NARRATION)
    scenes = [s.narration for s in script.scenes]
    spoken_in = language(idea.language)
    with service_call():  # a language this voice cannot speak fails here, before anything is spoken
        name = voice.voice_for(idea.voice, spoken_in)
    with scratch_dir(context, NARRATION) as work:
        speech, costs, spoken = speak_scenes(voice, store, scenes, name, spoken_in, work, policy.scene_concurrency)
        if speech.duration_s + TAIL_SECONDS > MAX_VIDEO_SECONDS:
            raise permanent(too_long(speech.duration_s, scenes, spoken_in, name))
        loudness = measure_loudness(speech.path)
    record = Narration(
        item_id=idea.item_id,
        audio=MediaFile(name="narration.wav", mime="audio/wav", path=speech.path),
        duration_s=round(speech.duration_s, 3),
        sample_rate=speech.sample_rate,
        words=speech.words,
        scene_starts=scene_starts(speech.words, len(scenes)),
        loudness=loudness,
        voice=name,
        provider=type(voice).__name__,
        costs=costs,
    )
    return Output(
        record,
        output_name=NARRATION.to_python_identifier(),
        metadata={
            "duration_s": record.duration_s,
            "words": len(record.words),
            "words_per_second": round(len(record.words) / max(record.duration_s, 0.1), 2),
            "loudness_lufs_before_normalisation": loudness.input_i,
            "voice": record.voice,
            "scenes_spoken": spoken,
            "scenes_reused": len(scenes) - spoken,
            **link_entries("audio", store.open().link(keys.media(NARRATION, idea.item_id, record.audio.name))),
            **cost_metadata(costs),
        },
    )
