"""The action server's guard (actions/server.py, actions/shared_secret.py); the refusals
over HTTP are in tests/e2e/test_exposure.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from actions.server import ActionServerConfigError, secret_from
from actions.shared_secret import bearer_matches
from tests.e2e.stack import ROOT

SECRET = "s3cret-of-the-action-server-0123"


@pytest.mark.parametrize(
    "header",
    [None, "", SECRET, f"Basic {SECRET}", "Bearer ", f"Bearer {SECRET}x", f"Bearer {SECRET[:-1]}"],
)
def test_anything_but_the_bearer_secret_is_refused(header: str | None) -> None:
    assert not bearer_matches(header, SECRET)


def test_the_bearer_secret_is_accepted() -> None:
    assert bearer_matches(f"Bearer {SECRET}", SECRET)
    assert bearer_matches(f"bearer {SECRET}", SECRET)


def test_an_empty_secret_matches_nothing() -> None:
    assert not bearer_matches("Bearer ", "")


@pytest.mark.parametrize("value", [None, "", "   ", "short-secret"])
def test_no_action_server_without_a_real_secret(value: str | None) -> None:
    env = {} if value is None else {"EMILE_ACTIONS_SECRET": value}
    with pytest.raises(ActionServerConfigError, match="EMILE_ACTIONS_SECRET"):
        secret_from(env)


def test_the_command_refuses_to_start_without_its_secret() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", "1"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "EMILE_ACTIONS_SECRET" in result.stderr
