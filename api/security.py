"""API keys: generation, hashing, and the principal a request acts as."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from api.enums import Scope

KEY_PREFIX = "emk"


@dataclass(frozen=True)
class NewKey:
    """A new key: `token` is shown once; only `prefix` and `secret_hash` are stored."""

    token: str
    prefix: str
    secret_hash: str


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key's or a console account's identity, scopes and territories."""

    key_id: int | None
    name: str
    scopes: frozenset[Scope]
    territories: frozenset[str] | None
    # Set when a person signed in to the console with their account (then `key_id` is None).
    account_id: int | None = None

    def sees_territories(self, codes: list[str]) -> bool:
        """Whether an application preferring `codes` is within this key's territories."""
        if self.territories is None:
            return True
        return bool(self.territories.intersection(codes))


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (no salt needed: secrets are random, not chosen)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_key() -> NewKey:
    """A new random key of the form `emk_<prefix>_<secret>`."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(f"{KEY_PREFIX}_{prefix}_{secret}", prefix, hash_secret(secret))


def split_token(token: str) -> tuple[str, str] | None:
    """The (prefix, secret) of a well-formed token, or None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
