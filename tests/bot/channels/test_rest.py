"""The REST channel's settings (bot/channels/rest.py); its refusals over HTTP are in
tests/e2e/test_exposure.py and tests/e2e/test_run_script.py."""

from __future__ import annotations

import pytest

from bot.channels.rest import AuthenticatedRestInput, RestConfigError

SECRET = "a-rest-channel-secret-0123456789"


def test_no_rest_channel_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMILE_REST_SECRET", raising=False)
    for credentials in (None, {}, {"secret": ""}, {"secret": "too-short"}):
        with pytest.raises(RestConfigError, match="EMILE_REST_SECRET"):
            AuthenticatedRestInput.from_credentials(credentials)


def test_the_secret_comes_from_the_credentials_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMILE_REST_SECRET", SECRET)
    assert AuthenticatedRestInput.from_credentials(None)._secret == SECRET
    other = "another-rest-secret-9876543210"
    assert AuthenticatedRestInput.from_credentials({"secret": other})._secret == other


def test_it_keeps_the_rest_name_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMILE_REST_SECRET", SECRET)
    channel = AuthenticatedRestInput.from_credentials(None)
    assert channel.name() == "rest" and channel.url_prefix() == "rest"
