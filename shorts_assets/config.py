"""Reads the environment once and picks the providers; fails fast when misconfigured.

Selection is explicit: each role is named by a SHORTS_* variable whose default is the
offline implementation, and an unknown name stops the code location from loading with a
message that names the variable and the choices. Nothing falls back silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dagster_aws.s3 import S3Resource

from .providers.footage import ProceduralFootage
from .providers.platforms import Platforms, SandboxChannel
from .providers.sheets import CsvSheet
from .providers.voices import EspeakVoice
from .providers.writers import BringYourOwnWriter
from .store import StoreIOManager, StoreResource

CHOICES = {
    "SHORTS_WRITER": ("byo",),
    "SHORTS_VOICE": ("espeak",),
    "SHORTS_FOOTAGE": ("procedural",),
    "SHORTS_PLATFORMS": ("sandbox",),
    "SHORTS_SHEET": ("csv",),
}


class ConfigError(RuntimeError):
    """The environment asks for something this build cannot do; says which variable."""


@dataclass(frozen=True)
class Settings:
    writer: str
    voice: str
    footage: str
    platforms: tuple[str, ...]
    sheet: str
    store: str
    home: Path
    sheet_csv: Path
    sandbox_dir: Path
    cache_dir: Path
    s3_endpoint_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        def choice(name: str) -> str:
            value = env.get(name, "").strip().lower() or CHOICES[name][0]
            if value not in CHOICES[name]:
                raise ConfigError(f"{name}={value!r} is not supported; choose one of: {', '.join(CHOICES[name])}")
            return value

        platforms = tuple(p.strip().lower() for p in env.get("SHORTS_PLATFORMS", "sandbox").split(",") if p.strip())
        for platform in platforms or ("",):
            if platform not in CHOICES["SHORTS_PLATFORMS"]:
                raise ConfigError(
                    f"SHORTS_PLATFORMS names {platform!r}; choose from: {', '.join(CHOICES['SHORTS_PLATFORMS'])}"
                )
        home = Path(env.get("SHORTS_HOME", "var")).resolve()
        store = env.get("SHORTS_STORE", "").strip() or str(home / "store")
        return cls(
            writer=choice("SHORTS_WRITER"),
            voice=choice("SHORTS_VOICE"),
            footage=choice("SHORTS_FOOTAGE"),
            platforms=tuple(dict.fromkeys(platforms)),
            sheet=choice("SHORTS_SHEET"),
            store=store if store.startswith("s3://") else str(Path(store).resolve()),
            home=home,
            sheet_csv=Path(env.get("SHORTS_SHEET_CSV", "") or home / "content_sheet.csv").resolve(),
            sandbox_dir=Path(env.get("SHORTS_SANDBOX_DIR", "") or home / "sandbox_channel").resolve(),
            cache_dir=Path(env.get("SHORTS_CACHE_DIR", "") or home / "cache").resolve(),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
        )


def build_resources(settings: Settings) -> dict[str, object]:
    store = StoreResource(
        root=settings.store,
        cache_dir=str(settings.cache_dir),
        s3=S3Resource(endpoint_url=settings.s3_endpoint_url),
    )
    return {
        "store": store,
        "io_manager": StoreIOManager(store=store),
        "sheet": CsvSheet(path=str(settings.sheet_csv)),
        "writer": BringYourOwnWriter(),
        "voice": EspeakVoice(),
        "footage": ProceduralFootage(),
        "platforms": Platforms(
            sandbox=SandboxChannel(root=str(settings.sandbox_dir)) if "sandbox" in settings.platforms else None
        ),
    }
