"""Territories a person names to rule out: "not Rouen", "ماشي روان", "کانتال نه غواړم".

A territory said with one of these words is no preference; when it is the only one named,
the person has none ("anywhere but the north"). Words in data/answers.yml, `exclusions`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import yaml

from common.paths import PROJECT_ROOT
from common.text import normalise

LEXICON_FILE: Final = PROJECT_ROOT / "data" / "answers.yml"


@dataclass(frozen=True)
class Exclusions:
    """Normalised phrases said right before (`before`) or right after (`after`) a name."""

    before: tuple[str, ...]
    after: tuple[str, ...]


def _phrases(by_language: Any) -> tuple[str, ...]:
    found = (normalise(str(p)) for phrases in (by_language or {}).values() for p in phrases or ())
    return tuple(dict.fromkeys(p for p in found if p))


@functools.lru_cache(maxsize=1)
def exclusions() -> Exclusions:
    """The exclusion words of data/answers.yml (read once per process)."""
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")) or {}
    part = data.get("exclusions") or {}
    return Exclusions(before=_phrases(part.get("before")), after=_phrases(part.get("after")))


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
