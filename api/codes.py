"""Short reference codes a person can read out on the phone."""

import secrets

# No 0/O and no 1/I: they are confused when read aloud or typed on a phone keypad.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_reference() -> str:
    """A random reference code such as `K7P4XM` (32**6 ≈ 10⁹ possibilities)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(raw: str) -> str:
    """Upper-case and drop the spaces, dots and dashes people add when they copy a code."""
    return "".join(ch for ch in raw.upper() if ch not in " -_.")
