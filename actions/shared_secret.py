"""Shared secrets between the assistant's processes: one check, used by the action server
(actions/server.py) and the REST channel (bot/channels/rest.py). Standard library only."""

from __future__ import annotations

import hmac

# Anything shorter is guessable; scripts/run.sh makes 40+ random characters.
MIN_SECRET_LENGTH = 16


def bearer_matches(header: str | None, secret: str) -> bool:
    """Whether an Authorization header carries `Bearer <secret>` (constant-time)."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip() or not secret:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), secret.encode("utf-8"))
