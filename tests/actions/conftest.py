"""Generic fixtures of the action-server tests: settings, and an API client on a fake transport."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from actions.api_client import EmileApiClient, create_client
from common.settings import AssistantSettings as Settings

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fake API host, with a key and an outbox in a temporary dir."""
    return Settings(
        api_url="http://api.test",
        api_key="test-key",
        api_timeout_s=1.0,
        outbox_path=tmp_path / "outbox.db",
    )


@pytest.fixture
def make_client(api_settings: Settings) -> Callable[[Handler], EmileApiClient]:
    """Build an EmileApiClient whose HTTP requests go to `handler` (httpx.MockTransport)."""

    def make(handler: Handler) -> EmileApiClient:
        return create_client(api_settings, transport=httpx.MockTransport(handler))

    return make
