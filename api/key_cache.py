"""Checked API keys kept for a few seconds, so a request does not read its key every time."""

import threading
import time
from collections import OrderedDict

from api.security import Principal, hash_secret


class PrincipalCache:
    """Principals of recently checked tokens, for `ttl_seconds` (0 keeps nothing).

    Only successful checks are kept, under a hash of the whole token. A key revoked through
    this process is forgotten at once (`forget`); revoked elsewhere, it stops working within
    `ttl_seconds`.
    """

    def __init__(self, ttl_seconds: float, size: int = 1024) -> None:
        self.ttl_seconds = ttl_seconds
        self.size = size
        self._kept: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        """The principal checked for `token` less than `ttl_seconds` ago."""
        if self.ttl_seconds <= 0:
            return None
        digest = hash_secret(token)
        with self._lock:
            kept = self._kept.get(digest)
            if kept is None:
                return None
            if kept[0] <= time.monotonic():
                del self._kept[digest]
                return None
            return kept[1]

    def put(self, token: str, principal: Principal) -> None:
        """Keep a principal just checked for `token`."""
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._kept[hash_secret(token)] = (time.monotonic() + self.ttl_seconds, principal)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def forget(self, key_id: int) -> None:
        """Drop every kept check of one key (it was just revoked)."""
        with self._lock:
            for digest in [d for d, (_, p) in self._kept.items() if p.key_id == key_id]:
                del self._kept[digest]
