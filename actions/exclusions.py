"""Values of a list a person names to rule out: "not Rouen", "ماشي روان", "کانتال نه غواړم",
"لوزر نه، کانتال", "نه لوزر نه کانتال" (neither Lozère nor Cantal).

A territory or sector said with one of these words is not wanted; when no other is named,
the person has no preference ("anywhere but the north"). Words in data/answers.yml:
`exclusions`, and `not_this` (the "no" said right after a value, read as `after`).
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
    after = normalised_words(part.get("after")) + normalised_words(lexicon_data().get("not_this"))
    return Exclusions(
        before=normalised_words(part.get("before")), after=tuple(dict.fromkeys(after))
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
    # "نه لوزر نه کانتال" (neither Lozère nor Cantal): the message opens with a one-word "no"
    # of `after` and says it again right before the name. Once only, "نه، کانتال" (no,
    # Cantal) answers the question.
    said = tokens[start - 1] if start >= 2 else ""
    return said in words.after and tokens[0] == said
