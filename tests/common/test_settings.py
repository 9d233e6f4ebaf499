"""The assistant's one settings model: names, defaults, one data directory, clear errors."""

from pathlib import Path

import pytest

from common.settings import (
    DEFAULT_DATA_DIR,
    AssistantSettings,
    SettingsError,
    load_assistant_settings,
)


def test_one_data_directory_moves_every_file(tmp_path):
    settings = load_assistant_settings({"EMILE_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert settings.outbox_path == tmp_path / "outbox.db"
    assert settings.api_key_file == tmp_path / "assistant.key"
    defaults = load_assistant_settings({})
    assert defaults.data_dir == DEFAULT_DATA_DIR
    assert defaults.outbox_path == DEFAULT_DATA_DIR / "outbox.db"


def test_variables_named_otherwise_are_read(tmp_path):
    settings = load_assistant_settings(
        {
            "EMILE_OUTBOX_POLL_S": "3",
            "EMILE_SMS_OPT_OUT_DAYS": "400",
            "EMILE_TELEGRAM_KEYBOARD_DAYS": "7",
            "TELEGRAM_DATA_DIR": str(tmp_path),
        }
    )
    assert settings.outbox_poll_interval_s == 3
    assert (settings.opt_out_days, settings.keyboard_days) == (400, 7)
    assert settings.telegram_dir == tmp_path


def test_a_blank_variable_is_an_unset_one():
    settings = load_assistant_settings({"EMILE_API_TIMEOUT_S": "  ", "EMILE_DATA_DIR": ""})
    assert settings.api_timeout_s == 5.0
    assert settings.data_dir == DEFAULT_DATA_DIR


def test_a_model_built_in_code_reads_no_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EMILE_API_TIMEOUT_S", "99")
    monkeypatch.setenv("EMILE_DATA_DIR", str(tmp_path))
    built = AssistantSettings(api_key="k")
    assert (built.api_timeout_s, built.data_dir) == (5.0, DEFAULT_DATA_DIR)
    # The process environment is the default of the loader.
    assert load_assistant_settings().api_timeout_s == 99


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMILE_API_TIMEOUT_S": "five"}, "EMILE_API_TIMEOUT_S must be a number of seconds"),
        ({"EMILE_PURGE_EVERY_S": "-1"}, "EMILE_PURGE_EVERY_S must be more than 0, not '-1'"),
        ({"EMILE_SMS_OPT_OUT_DAYS": "3 years"}, "EMILE_SMS_OPT_OUT_DAYS must be a number of days"),
        ({"EMILE_API_URL": "api.example.org"}, "EMILE_API_URL must start with http://"),
        ({"EMILE_RETENTION_DAYS": "60"}, "EMILE_CONVERSATION_DAYS=90 is longer than the API"),
    ],
)
def test_a_bad_value_names_its_variable(env, message):
    with pytest.raises(SettingsError) as raised:
        load_assistant_settings(env)
    assert str(raised.value).startswith(message)


def test_the_settings_cannot_change_and_keep_the_key_out_of_logs():
    settings = AssistantSettings(api_key="very-secret-key")
    with pytest.raises(TypeError):
        settings.api_timeout_s = 1.0  # type: ignore[misc]
    assert "very-secret-key" not in repr(settings) and "very-secret-key" not in str(settings)
    assert isinstance(settings.data_dir, Path)
