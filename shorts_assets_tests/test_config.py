import pytest

from shorts_assets.config import ConfigError, Settings, build_resources


def test_defaults_are_offline_and_under_shorts_home(tmp_path):
    settings = Settings.from_env({"SHORTS_HOME": str(tmp_path)})
    assert (settings.writer, settings.voice, settings.footage, settings.sheet) == ("byo", "espeak", "procedural", "csv")
    assert settings.platforms == ("sandbox",)
    assert settings.store == str(tmp_path / "store") and settings.sheet_csv == tmp_path / "content_sheet.csv"
    resources = build_resources(settings)
    assert resources["platforms"].enabled()[0].name == "sandbox"


def test_s3_store_and_endpoint_are_honoured(tmp_path):
    settings = Settings.from_env({"SHORTS_STORE": "s3://bucket/prefix", "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    resources = build_resources(settings)
    assert resources["store"].root == "s3://bucket/prefix"
    assert resources["store"].s3.endpoint_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHORTS_VOICE": "robot"}, "SHORTS_VOICE='robot' is not supported; choose one of: espeak"),
        ({"SHORTS_WRITER": "gpt"}, "SHORTS_WRITER"),
        ({"SHORTS_PLATFORMS": "sandbox,myspace"}, "SHORTS_PLATFORMS names 'myspace'"),
        ({"SHORTS_PLATFORMS": " , "}, "SHORTS_PLATFORMS"),
    ],
)
def test_unknown_choices_stop_loading_and_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.from_env(env)
