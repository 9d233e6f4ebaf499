"""lingua's n-gram models, restricted per script to the languages told apart there."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Which lingua languages stand for which of our codes, per script. Pashto and Arabizi have no
# lingua model: words and letters find them.
LINGUA_GROUPS: Final[Mapping[str, Mapping[str, str]]] = {
    "latin": {"ENGLISH": "en", "FRENCH": "fr"},
    "cyrillic": {"UKRAINIAN": "uk", "RUSSIAN": "ru"},
    "arabic": {"ARABIC": "ar", "PERSIAN": "prs"},
}

# Scripts whose models run in low-accuracy mode (trigrams only): for French/English and
# Arabic/Persian the word lists and letters decide most short messages and the full models
# (1- to 5-grams) changed nothing on the dev set; for Ukrainian/Russian, where many short
# messages share every listed word, the full models are kept (on 40 short uk/ru messages
# of words not yet listed: 2 wrong instead of 4). Measured with `scripts/bench_language.py
# --with-rasa` (2026-12-01): all low +16 MB, as here +102 MB, all full +192 MB of resident
# memory; the dev set comes out the same (469/474) with all low and as here.
LOW_ACCURACY_SCRIPTS: Final = frozenset({"latin", "arabic"})

# A language without a model takes another's opinion: Pashto text looks Persian to lingua.
MODEL_PROXY: Final[Mapping[str, str]] = {"ps": "prs"}


def probabilities(script: str, text: str) -> dict[str, float]:
    """The model's probability of each of our codes for the text; empty when it has none."""
    group = LINGUA_GROUPS.get(script)
    if not group or not text:
        return {}
    values = {
        group[value.language.name]: value.value
        for value in _detector(script).compute_language_confidence_values(text)
    }
    # All zeros: the model knows none of the text's n-grams and has no opinion.
    if sum(values.values()) <= 0.5:
        return {}
    for language, proxy in MODEL_PROXY.items():
        if proxy in values:
            values.setdefault(language, values[proxy])
    return values


@cache
def _detector(script: str) -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.from_str(name) for name in LINGUA_GROUPS[script]]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if script in LOW_ACCURACY_SCRIPTS:
        builder = builder.with_low_accuracy_mode()
    return builder.build()
