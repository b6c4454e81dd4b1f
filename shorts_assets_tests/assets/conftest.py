"""Fixtures for running items against the local fakes of the real services."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shorts_assets_tests.conftest import GOOD_ROW
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import FakeOpenAI
from shorts_assets_tests.fakes.sheets_api import FakeSheets
from shorts_assets_tests.fakes.youtube_api import FakeYouTube

ITEM = "bees-real"
COLUMNS = ["topic", "category", "facts", "hook_style", "target_seconds", "music", "item_id", "status"]


def service_account(token_uri: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": key,
            "client_email": "bot@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": token_uri}


@pytest.fixture
def services(tmp_path, monkeypatch, offline):
    row = [GOOD_ROW.get(c, "") for c in COLUMNS[:-2]] + [ITEM, "queued"]
    with FakeOpenAI() as openai, FakeElevenLabs() as elevenlabs, FakeYouTube() as youtube, \
            FakeSheets({"ideas": [COLUMNS, row]}) as sheets:
        youtube.authorized_user_file(tmp_path / "yt.json")
        (tmp_path / "sa.json").write_text(json.dumps(service_account(f"{sheets.url}/token")))
        env = {
            "SHORTS_HOME": str(tmp_path), "SHORTS_WRITER": "openai", "SHORTS_VOICE": "elevenlabs",
            "SHORTS_FOOTAGE": "openai-images", "SHORTS_PLATFORMS": "youtube", "SHORTS_SHEET": "google",
            "OPENAI_API_KEY": openai.api_key, "OPENAI_BASE_URL": f"{openai.url}/v1",
            "ELEVENLABS_API_KEY": elevenlabs.api_key, "ELEVENLABS_BASE_URL": elevenlabs.url,
            "YOUTUBE_AUTHORIZED_USER_FILE": str(tmp_path / "yt.json"), "YOUTUBE_API_ROOT": f"{youtube.url}/",
            "SHORTS_GOOGLE_SHEET_KEY": sheets.key, "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "sa.json"),
            "GOOGLE_SHEETS_API_ROOT": sheets.url,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # EnvVar secrets are read when the run starts
        yield env, openai, elevenlabs, youtube, sheets


def set_status(sheets: FakeSheets, status: str) -> None:
    sheets.sheets["ideas"].cells[1][COLUMNS.index("status")] = status
