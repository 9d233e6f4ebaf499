#!/usr/bin/env python3
"""The memory the reading of typed answers holds (tracemalloc): the lexicon once read, then
with what reading every development answer once leaves behind (indexes, remembered words).

    nice .venv/assistant/bin/python bench/answers/reading_memory.py
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from answers_report import load_held_out  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402

from actions.answers import lexicon, number_words, read_answer  # noqa: E402
from actions.eligibility_form import ValidateEligibilityForm  # noqa: E402
from bot.nlg import CatalogueNLG  # noqa: E402
from tests.actions.flows import DOMAIN  # noqa: E402
from tests.actions.test_answers import shown  # noqa: E402


def held() -> float:
    """Megabytes allocated and still held."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1e6


def main() -> int:
    nlg = CatalogueNLG(domain=Domain.load(str(ROOT / "domain.yml")))
    validator = ValidateEligibilityForm()
    cases = []
    for language, questions in load_held_out(ROOT / "tests" / "answers" / "dev.yml").items():
        for question, items in questions.items():
            spec = validator.slot_spec(question, DOMAIN)
            choices = shown(nlg, question, language)
            cases += [(text, spec, choices) for text, _ in items]
    tracemalloc.start()
    start = held()
    lexicon()
    words = number_words()
    loaded = held()
    for text, spec, choices in cases:
        read_answer(text, spec, choices, words)
    read = held()
    print(f"lexicon read: {loaded - start:.1f} MB")
    print(f"after reading the {len(cases)} development answers: {read - start:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
