from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from dagster import EnvVar

from shorts_assets.config import ConfigError, Settings, build_resources
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.media.safe_areas import PLATFORM_AREAS

REAL = {
    "SHORTS_WRITER": "openai", "SHORTS_VOICE": "elevenlabs", "SHORTS_FOOTAGE": "pexels,openai-images,procedural",
    "SHORTS_PLATFORMS": "youtube,tiktok,instagram", "SHORTS_SHEET": "google",
    "OPENAI_API_KEY": "sk-s3cr3t-value", "ELEVENLABS_API_KEY": "el-s3cr3t-value", "PEXELS_API_KEY": "px-s3cr3t-value",
    "YOUTUBE_AUTHORIZED_USER_FILE": "/run/yt.json", "TIKTOK_ACCESS_TOKEN": "tt-s3cr3t-value",
    "INSTAGRAM_ACCESS_TOKEN": "ig-s3cr3t-value", "INSTAGRAM_USER_ID": "1789", "SHORTS_GOOGLE_SHEET_KEY": "sheet-key",
    "SHORTS_GOOGLE_CREDENTIALS_JSON": "{}", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
}


def test_defaults_are_offline_and_under_shorts_home(tmp_path):
    settings = Settings.from_env({"SHORTS_HOME": str(tmp_path)})
    assert (settings.writer, settings.voice, settings.sheet) == ("byo", "espeak", "csv")
    assert (settings.footage, settings.platforms) == (("procedural",), ("sandbox",))
    assert settings.store == str(tmp_path / "store") and settings.sheet_csv == tmp_path / "content_sheet.csv"
    resources = build_resources(settings)
    assert [p.name for p in resources["platforms"].enabled()] == ["sandbox"]
    assert resources["footage"].name == "procedural"
    assert resources["output"].format == replace(PRODUCTION, safe_area=PLATFORM_AREAS["sandbox"].area)


def test_s3_store_and_endpoint_are_honoured():
    settings = Settings.from_env({"SHORTS_STORE": "s3://bucket/prefix", "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    resources = build_resources(settings)
    assert resources["store"].root == "s3://bucket/prefix"
    assert resources["store"].s3_endpoint_url == "http://127.0.0.1:9"


def test_every_real_service_is_selected_in_order_and_secrets_stay_env_vars():
    settings = Settings.from_env(REAL)
    resources = build_resources(settings)
    assert [p.name for p in resources["platforms"].enabled()] == ["youtube", "tiktok", "instagram"]
    assert resources["footage"].order == ["pexels", "openai-images", "procedural"]
    assert resources["writer"].base_url == "http://127.0.0.1:9/v1"
    assert isinstance(resources["writer"].api_key, EnvVar)
    assert "s3cr3t" not in repr(settings)
    for resource in resources.values():
        assert "s3cr3t" not in repr(resource)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHORTS_VOICE": "robot"}, "SHORTS_VOICE names 'robot', which is not supported; choose from: espeak"),
        ({"SHORTS_WRITER": "gpt"}, "SHORTS_WRITER"),
        ({"SHORTS_PLATFORMS": "sandbox,myspace"}, "SHORTS_PLATFORMS names 'myspace'"),
        ({"SHORTS_PLATFORMS": " , "}, "SHORTS_PLATFORMS"),
        ({"SHORTS_WRITER": "openai"}, "SHORTS_WRITER=openai needs OPENAI_API_KEY"),
        ({"SHORTS_FOOTAGE": "procedural,pexels"}, "SHORTS_FOOTAGE=pexels needs PEXELS_API_KEY"),
        ({"SHORTS_FOOTAGE": "runway,procedural"}, "SHORTS_FOOTAGE=runway needs RUNWAYML_API_SECRET"),
        ({"SHORTS_PLATFORMS": "instagram", "INSTAGRAM_ACCESS_TOKEN": "x"}, "needs INSTAGRAM_USER_ID"),
        ({"SHORTS_SHEET": "google", "SHORTS_GOOGLE_SHEET_KEY": "k"},
         "needs GOOGLE_APPLICATION_CREDENTIALS or SHORTS_GOOGLE_CREDENTIALS_JSON"),
    ],
)
def test_unknown_choices_and_missing_credentials_stop_loading_and_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.from_env(env)


def test_the_media_allowance_reaches_the_footage_and_the_sheet_check_and_a_bad_one_stops_loading():
    env = {"SHORTS_FOOTAGE": "row-media,pexels,procedural", "PEXELS_API_KEY": "k",
           "SHORTS_MEDIA_ALLOW_NETWORKS": " 10.0.0.0/8, [::1]:8123 ,"}
    resources = build_resources(Settings.from_env(env))
    footage, policy = resources["footage"], resources["policy"]
    assert footage.row_media.allow_networks == footage.pexels.allow_networks == policy.allow_networks == [
        "10.0.0.0/8", "[::1]:8123"]
    assert build_resources(Settings.from_env({}))["policy"].allow_networks == []  # nothing allowed by default
    with pytest.raises(ConfigError, match="SHORTS_MEDIA_ALLOW_NETWORKS has 'nas.local'"):
        build_resources(Settings.from_env({**env, "SHORTS_MEDIA_ALLOW_NETWORKS": "10.0.0.0/8,nas.local"}))


def test_scenes_asked_at_once_default_to_four_and_reach_the_steps_and_the_kept_images():
    assert build_resources(Settings.from_env({}))["policy"].scene_concurrency == 4
    resources = build_resources(Settings.from_env({"SHORTS_SCENE_CONCURRENCY": "2", "SHORTS_FOOTAGE": "openai-images",
                                                   "OPENAI_API_KEY": "k"}))
    assert resources["policy"].scene_concurrency == 2
    assert resources["footage"].openai_images.store is resources["store"]


def test_runway_footage_is_configured_paid_and_keeps_its_clips_in_the_store():
    env = {"SHORTS_FOOTAGE": "runway,pexels,procedural", "RUNWAYML_API_SECRET": "key_s3cr3t-value",
           "PEXELS_API_KEY": "k", "RUNWAYML_BASE_URL": "http://127.0.0.1:9", "SHORTS_RUNWAY_MAX_SECONDS": "8",
           "SHORTS_RUNWAY_USD_PER_SECOND": "0.4", "SHORTS_RUNWAY_MODEL": "veo3.1"}
    settings = Settings.from_env(env)
    resources = build_resources(settings)
    runway = resources["footage"].runway
    assert resources["footage"].order == ["runway", "pexels", "procedural"]
    assert isinstance(runway.api_key, EnvVar) and "s3cr3t" not in repr(resources["footage"])
    assert (runway.base_url, runway.model, runway.ratio) == ("http://127.0.0.1:9", "veo3.1", "720:1280")
    assert (runway.max_seconds, runway.usd_per_second, runway.max_wait_s) == (8, 0.4, 600.0)
    assert runway.store is resources["store"]
    assert resources["policy"].paid_assets == ["clips"]  # the daily budget holds it back
    with pytest.raises(ConfigError, match="SHORTS_RUNWAY_MAX_SECONDS='11' must be a whole number from 2 to 10"):
        build_resources(Settings.from_env({**env, "SHORTS_RUNWAY_MAX_SECONDS": "11"}))


def test_the_output_format_is_configured_by_size_and_frame_rate():
    resources = build_resources(Settings.from_env({"SHORTS_VIDEO_SIZE": " 720x1280 ", "SHORTS_VIDEO_FPS": "25"}))
    assert resources["output"].format == OutputFormat(720, 1280, 25, safe_area=PLATFORM_AREAS["sandbox"].area)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHORTS_VIDEO_SIZE": "1080"}, "SHORTS_VIDEO_SIZE='1080' must be WIDTHxHEIGHT"),
        ({"SHORTS_VIDEO_SIZE": "1080 x 1920"}, "SHORTS_VIDEO_SIZE='1080 x 1920' must be WIDTHxHEIGHT"),
        ({"SHORTS_VIDEO_SIZE": "1081x1920"}, "SHORTS_VIDEO_SIZE='1081x1920': the size 1081x1920 needs even sides"),
        ({"SHORTS_VIDEO_SIZE": "16x16"}, "SHORTS_VIDEO_SIZE='16x16'.* of 64 to 4096 pixels"),
        ({"SHORTS_VIDEO_FPS": "29.97"}, "SHORTS_VIDEO_FPS='29.97' must be a whole number"),
        ({"SHORTS_VIDEO_FPS": "240"}, "SHORTS_VIDEO_FPS=240: 240 fps is outside 10 to 60"),
        ({"SHORTS_SCENE_CONCURRENCY": "0"}, "SHORTS_SCENE_CONCURRENCY='0' must be a whole number of at least 1"),
        ({"SHORTS_SCENE_CONCURRENCY": "two"}, "SHORTS_SCENE_CONCURRENCY='two' must be a whole number of at least 1"),
    ],
)
def test_a_bad_output_format_stops_loading_and_names_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        build_resources(Settings.from_env(env))


def policy_of(env: dict[str, str]):
    return build_resources(Settings.from_env(env))["policy"]


def test_the_channel_time_zone_reaches_the_policy_and_a_wrong_name_stops_loading():
    assert policy_of({}).channel_zone == ZoneInfo("UTC")
    assert policy_of({"SHORTS_CHANNEL_TIMEZONE": "Europe/Berlin"}).channel_zone == ZoneInfo("Europe/Berlin")
    with pytest.raises(ConfigError, match="SHORTS_CHANNEL_TIMEZONE='Mars/Olympus' is not a time zone: give an IANA"):
        policy_of({"SHORTS_CHANNEL_TIMEZONE": "Mars/Olympus"})
