"""data/answers.yml as parsed YAML, read once per process by every reader of its parts
(actions/answers.py, actions/counting.py, actions/exclusions.py)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

import yaml

from common.paths import PROJECT_ROOT
from common.text import normalise

LEXICON_FILE: Final = PROJECT_ROOT / "data" / "answers.yml"


@functools.lru_cache(maxsize=1)
def lexicon_data() -> Mapping[str, Any]:
    """The whole file, parsed (read only: the readers copy what they change)."""
    return yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")) or {}


def normalised_words(by_language: Any) -> tuple[str, ...]:
    """The words of a `language -> [words]` entry, normalised, once each, none empty."""
    found = (normalise(str(w)) for words in (by_language or {}).values() for w in words or ())
    return tuple(dict.fromkeys(w for w in found if w))
