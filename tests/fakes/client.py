"""The HTTP client of the webhook deliveries the tests make as a provider would."""

import functools

import httpx


@functools.cache
def webhook_client() -> httpx.Client:
    """One client shared by every delivery (thread-safe): `httpx.post` builds a client, and
    its TLS context, for each call, about 45 ms of CPU each measured here against 5 ms with a
    shared one. No keep-alive: each delivery still comes on a new connection, as before."""
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
