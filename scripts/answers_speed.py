#!/usr/bin/env python3
"""How long reading a typed answer takes (actions/answers.py), on a set of typed answers.

Reads every answer of the set (default: the development set) as the form would, with the
choices shown in the person's language, twice: the first pass meets new words, the second
reads them again (difflib's comparisons are remembered). No server, no NLU.

    .venv/assistant/bin/python scripts/answers_speed.py [--set tests/answers/dev.yml]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.shared.core.domain import Domain  # noqa: E402

from actions.answers import number_words, read_answer  # noqa: E402
from actions.eligibility_form import ValidateEligibilityForm  # noqa: E402
from bot.nlg import CatalogueNLG  # noqa: E402
from tests.actions.flows import DOMAIN  # noqa: E402
from tests.actions.test_answers import shown  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "answers" / "dev.yml")
    args = parser.parse_args()
    if args.set.resolve() == (ROOT / "tests" / "answers" / "held_out.yml").resolve():
        parser.error("the held-out set is measured end to end only (scripts/answers_report.py)")
    sys.path.insert(0, str(ROOT / "scripts"))
    from answers_report import load_held_out

    nlg = CatalogueNLG(domain=Domain.load(str(ROOT / "domain.yml")))
    validator = ValidateEligibilityForm()
    cases = []
    for language, questions in load_held_out(args.set).items():
        for question, items in questions.items():
            spec = validator.slot_spec(question, DOMAIN)
            choices = shown(nlg, question, language)
            cases += [(text, spec, choices) for text, _ in items]
    words = number_words()
    for label in ("first pass", "second pass"):
        start, cpu = time.perf_counter(), time.process_time()
        for text, spec, choices in cases:
            read_answer(text, spec, choices, words)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        # The CPU time too: on a machine others load, it moves less than the time taken.
        print(
            f"{label}: {len(cases)} answers, {1000 * elapsed / len(cases):.2f} ms per answer "
            f"({1000 * used / len(cases):.2f} ms of CPU)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
