"""Territories a person names to rule out: "not Rouen", "ماشي روان", "کانتال نه غواړم".

A territory said with one of these words is no preference; when it is the only one named,
the person has none ("anywhere but the north"). Words in data/answers.yml, `exclusions`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from actions.lexicon_file import lexicon_data, normalised_words


@dataclass(frozen=True)
class Exclusions:
    """Normalised phrases said right before (`before`) or right after (`after`) a name."""

    before: tuple[str, ...]
    after: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def exclusions() -> Exclusions:
    """The exclusion words of data/answers.yml (read once per process)."""
    part = lexicon_data().get("exclusions") or {}
    return Exclusions(
        before=normalised_words(part.get("before")), after=normalised_words(part.get("after"))
    )


def excluded(tokens: Sequence[str], start: int, end: int) -> bool:
    """Whether the words `tokens[start:end]` (a name) are said to be ruled out."""
    words = exclusions()
    for phrase in words.before:
        size = len(phrase.split())
        if start >= size and " ".join(tokens[start - size : start]) == phrase:
            return True
    for phrase in words.after:
        size = len(phrase.split())
        if " ".join(tokens[end : end + size]) == phrase:
            return True
    return False
