"""Reads the environment once and picks the providers; fails fast when misconfigured.

Selection is explicit: each role is named by a SHORTS_* variable whose default is the
offline implementation. An unknown name, or a selected service whose credentials are not
set, stops the code location from loading with a message that names the variable. Secrets
reach the resources as `EnvVar`s, read when a run starts, so they never sit in the
definitions, the UI or a log.

Over 300 lines on purpose: each variable is read and checked beside the resource it
configures, so adding a setting or a service is one edit in one place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster import AssetKey, EnvVar

from .assets.analytics import channel_analytics
from .assets.clips import CLIPS
from .assets.narration import NARRATION
from .assets.proposals import idea_proposals
from .assets.script import script
from .media.format import PRODUCTION, OutputFormat
from .output import OutputResource
from .policy import Policy
from .providers.channels import Platforms
from .providers.espeak_voice import EspeakVoice
from .providers.footage_chain import FootageChain
from .providers.instagram import InstagramReels
from .providers.openai_footage import OpenAIImageFootage
from .providers.platforms import SandboxChannel
from .providers.procedural_footage import ProceduralFootage
from .providers.public_net import ALLOW_SETTING, allowance
from .providers.relevance import NO_VISION_MODEL, TURNED_OFF, RelevanceGate
from .providers.runway_footage import RunwayFootage
from .providers.sheets import CsvSheet
from .providers.stock_footage import PexelsFootage, RowMediaFootage
from .providers.tiktok import TikTokChannel
from .providers.writers import BringYourOwnWriter
from .providers.youtube import YouTubeChannel
from .slots import SETTING as SLOTS_SETTING
from .slots import parse as parse_slots
from .store import MAX_LINK_HOURS, StoreIOManager, StoreResource

CHOICES = {
    "SHORTS_WRITER": ("byo", "openai"),
    "SHORTS_VOICE": ("espeak", "elevenlabs"),
    "SHORTS_FOOTAGE": ("procedural", "row-media", "pexels", "openai-images", "runway"),
    "SHORTS_PLATFORMS": ("sandbox", "youtube", "tiktok", "instagram"),
    "SHORTS_SHEET": ("csv", "google"),
}
LISTS = ("SHORTS_FOOTAGE", "SHORTS_PLATFORMS")

# What each selectable service cannot work without. A tuple means "one of these".
REQUIRED = {
    "openai": ["OPENAI_API_KEY"],
    "elevenlabs": ["ELEVENLABS_API_KEY"],
    "openai-images": ["OPENAI_API_KEY"],
    "pexels": ["PEXELS_API_KEY"],
    "runway": ["RUNWAYML_API_SECRET"],
    "youtube": ["YOUTUBE_AUTHORIZED_USER_FILE"],
    "tiktok": ["TIKTOK_ACCESS_TOKEN"],
    "instagram": ["INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_USER_ID"],
    "google": ["SHORTS_GOOGLE_SHEET_KEY", ("GOOGLE_APPLICATION_CREDENTIALS", "SHORTS_GOOGLE_CREDENTIALS_JSON")],
}


# The assets whose metadata carries `cost_usd`: what the daily budget adds up.
COSTED = (script.key, NARRATION, CLIPS, channel_analytics.key, idea_proposals.key)

FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(RuntimeError):
    """The environment asks for something this build cannot do; says which variable."""


def chosen(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "").strip().lower() or CHOICES[name][0]
    values = tuple(dict.fromkeys(v.strip() for v in raw.split(","))) if name in LISTS else (raw,)
    for value in values:
        if value not in CHOICES[name]:
            choices = ", ".join(CHOICES[name])
            raise ConfigError(f"{name} names {value!r}, which is not supported; choose from: {choices}")
    return values


def check_credentials(env: Mapping[str, str], selection: str, service: str) -> None:
    for need in REQUIRED.get(service, []):
        names = need if isinstance(need, tuple) else (need,)
        if not any(env.get(n, "").strip() for n in names):
            raise ConfigError(f"{selection} needs {' or '.join(names)}, which is not set (see the README)")


def review_required(env: Mapping[str, str], platforms: tuple[str, ...]) -> bool:
    """SHORTS_REVIEW: `required` by default when anything real is published, `auto` for the sandbox."""
    value = env.get("SHORTS_REVIEW", "").strip().lower() or ("auto" if platforms == ("sandbox",) else "required")
    if value not in ("required", "auto"):
        raise ConfigError(f"SHORTS_REVIEW={value!r} must be required or auto")
    return value == "required"


@dataclass(frozen=True)
class Settings:
    writer: str
    voice: str
    footage: tuple[str, ...]
    platforms: tuple[str, ...]
    sheet: str
    store: str
    home: Path
    sheet_csv: Path
    sandbox_dir: Path
    cache_dir: Path
    media_root: Path
    review_required: bool
    env: Mapping[str, str] = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        selected = {name: chosen(env, name) for name in CHOICES}
        for name, values in selected.items():
            for value in values:
                check_credentials(env, f"{name}={value}", value)
        home = Path(env.get("SHORTS_HOME", "var")).resolve()
        store = env.get("SHORTS_STORE", "").strip() or str(home / "store")
        return cls(
            writer=selected["SHORTS_WRITER"][0],
            voice=selected["SHORTS_VOICE"][0],
            footage=selected["SHORTS_FOOTAGE"],
            platforms=selected["SHORTS_PLATFORMS"],
            sheet=selected["SHORTS_SHEET"][0],
            store=store if store.startswith("s3://") else str(Path(store).resolve()),
            home=home,
            sheet_csv=Path(env.get("SHORTS_SHEET_CSV", "") or home / "content_sheet.csv").resolve(),
            sandbox_dir=Path(env.get("SHORTS_SANDBOX_DIR", "") or home / "sandbox_channel").resolve(),
            cache_dir=Path(env.get("SHORTS_CACHE_DIR", "") or home / "cache").resolve(),
            media_root=Path(env.get("SHORTS_MEDIA_ROOT", "") or home).resolve(),
            review_required=review_required(env, selected["SHORTS_PLATFORMS"]),
            env=dict(env),
        )

    def option(self, name: str, default: str = "") -> str:
        """A non-secret setting (an endpoint, a model name): read now, shown in the UI."""
        return self.env.get(name, "").strip() or default

    def zone(self, name: str, default: str) -> str:
        """An IANA time zone name, such as Europe/Berlin (the zone database ships with tzdata)."""
        value = self.option(name, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{name}={value!r} is not a time zone: give an IANA name such as Europe/Berlin "
                              "or America/New_York") from None
        return value

    def number(self, name: str, default: int, least: int = 0, most: int | None = None) -> int:
        value = self.option(name, str(default))
        if not value.isdigit() or int(value) < least or (most is not None and int(value) > most):
            bound = f" from {least} to {most}" if most is not None else f" of at least {least}" if least else ""
            raise ConfigError(f"{name}={value!r} must be a whole number{bound}")
        return int(value)

    def amount(self, name: str, default: float = 0.0) -> float:
        """A non-negative number (dollars, megabytes...)."""
        value = self.option(name, str(default))
        try:
            amount = float(value)
        except ValueError:
            amount = -1.0
        if not 0 <= amount < float("inf"):
            raise ConfigError(f"{name}={value!r} must be a number of at least 0, such as 5 or 12.50")
        return amount

    def paid_assets(self) -> list[AssetKey]:
        """The assets whose selected service charges: what the daily budget holds back."""
        return [asset for asset, paid in (
            (script.key, self.writer == "openai"), (NARRATION, self.voice == "elevenlabs"),
            (CLIPS, bool({"openai-images", "runway"} & set(self.footage)) or relevance_on(self))) if paid]

    def flag(self, name: str, default: bool) -> bool:
        value = self.option(name, str(default)).lower()
        if value not in FLAGS:
            raise ConfigError(f"{name}={value!r} must be true or false")
        return FLAGS[value]

    def secret(self, name: str) -> EnvVar | None:
        """A secret, read from the environment only when a run starts; None when unset."""
        return EnvVar(name) if self.env.get(name, "").strip() else None


def timed(s: Settings) -> dict[str, float]:
    """SHORTS_SERVICE_TIMEOUT_S, when set, for every service client: seconds for an answer before
    the call counts as timed out (a transient fault). Unset (or 0), each client keeps its own."""
    seconds = s.amount("SHORTS_SERVICE_TIMEOUT_S")
    return {"timeout": seconds} if seconds else {}


def allow_networks(s: Settings) -> list[str]:
    """SHORTS_MEDIA_ALLOW_NETWORKS: the non-public networks (a NAS, a test's fake) media links may reach.
    Checked now, so a typo stops the code location instead of refusing every link later."""
    entries = [entry.strip() for entry in s.option(ALLOW_SETTING).split(",") if entry.strip()]
    try:
        allowance(entries)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return entries


def channel_timezone(s: Settings) -> str:
    """SHORTS_CHANNEL_TIMEZONE: the audience's clock, read by the policy and by the sandbox's simulated audience."""
    return s.zone("SHORTS_CHANNEL_TIMEZONE", "UTC")


def publish_slots(s: Settings) -> list[str]:
    """SHORTS_PUBLISH_SLOTS, checked now: a cron that is not one stops the code location. A scheduled
    YouTube upload is private until its slot, so slots need SHORTS_YOUTUBE_PRIVACY=private."""
    if s.option("SHORTS_YOUTUBE_PUBLISH_AT"):
        raise ConfigError(f"SHORTS_YOUTUBE_PUBLISH_AT is replaced by {SLOTS_SETTING} (cron expressions in "
                          "SHORTS_CHANNEL_TIMEZONE) and a row's publish_at column: unset it and set those")
    try:
        slots = parse_slots(s.option(SLOTS_SETTING))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    privacy = s.option("SHORTS_YOUTUBE_PRIVACY", "private")
    if slots and "youtube" in s.platforms and privacy != "private":
        raise ConfigError(f"{SLOTS_SETTING} needs SHORTS_YOUTUBE_PRIVACY=private (not {privacy!r}): YouTube "
                          "keeps a scheduled upload private and makes it public at its slot")
    return slots


def output(s: Settings) -> OutputResource:
    """SHORTS_VIDEO_SIZE and SHORTS_VIDEO_FPS: what every short is rendered as (the tests render small);
    SHORTS_PLATFORMS: whose buttons the captions and cards keep clear of."""
    size = s.option("SHORTS_VIDEO_SIZE", PRODUCTION.size)
    if not re.fullmatch(r"\d{1,5}x\d{1,5}", size):
        raise ConfigError(f"SHORTS_VIDEO_SIZE={size!r} must be WIDTHxHEIGHT in pixels, such as 1080x1920")
    try:
        fmt = OutputFormat(*(int(side) for side in size.split("x")))
    except ValueError as error:
        raise ConfigError(f"SHORTS_VIDEO_SIZE={size!r}: {error}") from None
    fps = s.number("SHORTS_VIDEO_FPS", fmt.fps)
    try:
        fmt = replace(fmt, fps=fps)
    except ValueError as error:
        raise ConfigError(f"SHORTS_VIDEO_FPS={fps}: {error}") from None
    return OutputResource(width=fmt.width, height=fmt.height, fps=fmt.fps, platforms=list(s.platforms))


# The services' modules are imported where they are selected: their SDKs (gspread and google-auth,
# elevenlabs, openai, runwayml) cost a run worker seconds at start-up when nothing uses them.


def writer(s: Settings):
    if s.writer == "openai":
        from .providers.openai_writer import OpenAIWriter

        return OpenAIWriter(api_key=s.secret("OPENAI_API_KEY"), base_url=s.option("OPENAI_BASE_URL"),
                            model=s.option("SHORTS_OPENAI_MODEL", "gpt-4o-mini"), **timed(s))
    return BringYourOwnWriter()


def voice(s: Settings):
    if s.voice == "elevenlabs":
        from .providers.elevenlabs_voice import ElevenLabsVoice

        return ElevenLabsVoice(
            api_key=s.secret("ELEVENLABS_API_KEY"), base_url=s.option("ELEVENLABS_BASE_URL"),
            default_voice_id=s.option("SHORTS_ELEVENLABS_VOICE_ID", "21m00Tcm4TlvDq8ikWAM"),
            model_id=s.option("SHORTS_ELEVENLABS_MODEL", "eleven_multilingual_v2"),
            multilingual_model_id=s.option("SHORTS_ELEVENLABS_MULTILINGUAL_MODEL", "eleven_multilingual_v2"),
            **timed(s))
    return EspeakVoice()


def relevance_on(s: Settings) -> bool:
    """SHORTS_RELEVANCE: on or off; by default on when SHORTS_RELEVANCE_MODEL names a vision model."""
    value = s.option("SHORTS_RELEVANCE").lower() or ("on" if s.option("SHORTS_RELEVANCE_MODEL") else "off")
    if value not in ("on", "off"):
        raise ConfigError(f"SHORTS_RELEVANCE={value!r} must be on or off")
    return value == "on"


def relevance(s: Settings) -> RelevanceGate | None:
    """The relevance gate on every scene's picture, when on (it needs an OpenAI key or a compatible server's)."""
    if not relevance_on(s):
        return None
    check_credentials(s.env, "SHORTS_RELEVANCE=on", "openai")
    threshold = s.amount("SHORTS_RELEVANCE_THRESHOLD", 0.5)
    if threshold > 1:
        raise ConfigError(f"SHORTS_RELEVANCE_THRESHOLD={threshold:g} must be a score from 0 to 1, such as 0.5")
    fallback = s.option("SHORTS_RELEVANCE_FALLBACK", "best").lower()
    if fallback not in ("best", "fail"):
        raise ConfigError(f"SHORTS_RELEVANCE_FALLBACK={fallback!r} must be best (take the best picture when none "
                          "passes) or fail (fail the step)")
    return RelevanceGate(api_key=s.secret("OPENAI_API_KEY"),
                         base_url=s.option("SHORTS_RELEVANCE_BASE_URL", s.option("OPENAI_BASE_URL")),
                         model=s.option("SHORTS_RELEVANCE_MODEL", "gpt-4o-mini"), threshold=threshold,
                         max_candidates=s.number("SHORTS_RELEVANCE_CANDIDATES", 4, least=1), fallback=fallback,
                         **timed(s))


def footage(s: Settings, store: StoreResource) -> FootageChain:
    downloads = str(s.cache_dir / "footage")
    return FootageChain(
        order=list(s.footage),
        relevance=relevance(s),
        relevance_skipped=NO_VISION_MODEL if not s.option("SHORTS_RELEVANCE") else TURNED_OFF,
        procedural=ProceduralFootage() if "procedural" in s.footage else None,
        row_media=RowMediaFootage(media_root=str(s.media_root), cache_dir=downloads,
                                  allow_networks=allow_networks(s), **timed(s))
        if "row-media" in s.footage else None,
        pexels=PexelsFootage(api_key=s.secret("PEXELS_API_KEY"), cache_dir=downloads,
                             base_url=s.option("PEXELS_BASE_URL", "https://api.pexels.com"),
                             allow_networks=allow_networks(s), **timed(s))
        if "pexels" in s.footage else None,
        openai_images=OpenAIImageFootage(
            api_key=s.secret("OPENAI_API_KEY"), base_url=s.option("OPENAI_BASE_URL"),
            model=s.option("SHORTS_OPENAI_IMAGE_MODEL", "gpt-image-1"),
            quality=s.option("SHORTS_OPENAI_IMAGE_QUALITY", "medium"), store=store, **timed(s))
        if "openai-images" in s.footage else None,
        runway=RunwayFootage(
            api_key=s.secret("RUNWAYML_API_SECRET"), base_url=s.option("RUNWAYML_BASE_URL"),
            model=s.option("SHORTS_RUNWAY_MODEL", "gen4.5"), ratio=s.option("SHORTS_RUNWAY_RATIO", "720:1280"),
            max_seconds=s.number("SHORTS_RUNWAY_MAX_SECONDS", 5, least=2, most=10),
            usd_per_second=s.amount("SHORTS_RUNWAY_USD_PER_SECOND", 0.12),
            max_wait_s=s.amount("SHORTS_RUNWAY_MAX_WAIT_S", 600.0), cache_dir=downloads,
            allow_networks=allow_networks(s), store=store, **timed(s))
        if "runway" in s.footage else None,
    )


def platforms(s: Settings) -> Platforms:
    return Platforms(
        order=list(s.platforms),
        sandbox=SandboxChannel(root=str(s.sandbox_dir),
                               hours_per_second=float(s.number("SHORTS_SANDBOX_HOURS_PER_SECOND", 1)),
                               timezone=channel_timezone(s))
        if "sandbox" in s.platforms else None,
        youtube=YouTubeChannel(
            authorized_user_file=s.option("YOUTUBE_AUTHORIZED_USER_FILE"),
            api_root=s.option("YOUTUBE_API_ROOT", "https://www.googleapis.com/"),
            privacy_status=s.option("SHORTS_YOUTUBE_PRIVACY", "private"),
            made_for_kids=s.flag("SHORTS_YOUTUBE_MADE_FOR_KIDS", False),
            synthetic_media=s.flag("SHORTS_YOUTUBE_SYNTHETIC_MEDIA", True),
            daily_uploads=s.number("SHORTS_YOUTUBE_DAILY_UPLOADS", 100),
            daily_units=s.number("SHORTS_YOUTUBE_DAILY_UNITS", 10_000),
            chunk_mb=s.amount("SHORTS_YOUTUBE_CHUNK_MB", 8.0), **timed(s))
        if "youtube" in s.platforms else None,
        tiktok=TikTokChannel(access_token=s.secret("TIKTOK_ACCESS_TOKEN"),
                             api_root=s.option("TIKTOK_API_ROOT", "https://open.tiktokapis.com"),
                             privacy_level=s.option("SHORTS_TIKTOK_PRIVACY", "SELF_ONLY"),
                             daily_posts=s.number("SHORTS_TIKTOK_DAILY_POSTS", 15), **timed(s))
        if "tiktok" in s.platforms else None,
        instagram=InstagramReels(access_token=s.secret("INSTAGRAM_ACCESS_TOKEN"),
                                 ig_user_id=s.option("INSTAGRAM_USER_ID"),
                                 graph_root=s.option("INSTAGRAM_GRAPH_ROOT", "https://graph.facebook.com"),
                                 rupload_root=s.option("INSTAGRAM_RUPLOAD_ROOT", "https://rupload.facebook.com"),
                                 daily_posts=s.number("SHORTS_INSTAGRAM_DAILY_POSTS", 50), **timed(s))
        if "instagram" in s.platforms else None,
    )


def sheet(s: Settings):
    if s.sheet == "google":
        from .providers.google_sheet import GoogleSheet

        return GoogleSheet(
            spreadsheet_key=s.option("SHORTS_GOOGLE_SHEET_KEY"),
            worksheet=s.option("SHORTS_GOOGLE_WORKSHEET", "ideas"),
            credentials_file=s.option("GOOGLE_APPLICATION_CREDENTIALS") or None,
            credentials_json=s.secret("SHORTS_GOOGLE_CREDENTIALS_JSON"),
            api_root=s.option("GOOGLE_SHEETS_API_ROOT", "https://sheets.googleapis.com"), **timed(s))
    return CsvSheet(path=str(s.sheet_csv))


def build_resources(settings: Settings) -> dict[str, object]:
    store = StoreResource(root=settings.store, cache_dir=str(settings.cache_dir),
                          s3_endpoint_url=settings.option("S3_ENDPOINT_URL") or None,
                          link_hours=settings.number("SHORTS_LINK_HOURS", MAX_LINK_HOURS, least=1, most=MAX_LINK_HOURS))
    return {
        "store": store,
        "io_manager": StoreIOManager(store=store),
        "sheet": sheet(settings),
        "writer": writer(settings),
        "voice": voice(settings),
        "footage": footage(settings, store),
        "output": output(settings),
        "platforms": platforms(settings),
        "policy": Policy(
            review_required=settings.review_required,
            auto_approve_ideas=settings.flag("SHORTS_AUTO_APPROVE_IDEAS", False),
            proposals_per_cycle=settings.number("SHORTS_PROPOSALS_PER_CYCLE", 3),
            max_open_proposals=settings.number("SHORTS_MAX_OPEN_PROPOSALS", 6),
            seed=settings.number("SHORTS_STRATEGY_SEED", 7),
            rows_per_tick=settings.number("SHORTS_ROWS_PER_TICK", 100),
            scene_concurrency=settings.number("SHORTS_SCENE_CONCURRENCY", 4, least=1),
            daily_budget_usd=settings.amount("SHORTS_DAILY_BUDGET_USD"),
            paid_assets=[key.to_user_string() for key in settings.paid_assets()],
            costed_assets=[asset.to_user_string() for asset in COSTED],
            allow_networks=allow_networks(settings),
            writer_adapts=settings.writer == "openai",
            channel_timezone=channel_timezone(settings),
            publish_slots=publish_slots(settings),
        ),
    }
