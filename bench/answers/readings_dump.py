#!/usr/bin/env python3
"""Every offline reading of a development set's answers, one a line, to compare two trees.

A change meant to keep every reading (a faster search, say) must leave this output
byte-identical. Each answer is read as the form would (`read_answer`, the choices shown in
its language); with `--cross`, also as the answer to every other question of its language,
which passes through more of the reader (numbers read as lists, lists as numbers…).

    nice .venv/assistant/bin/python bench/answers/readings_dump.py > /tmp/before.tsv
    nice .venv/assistant/bin/python bench/answers/readings_dump.py --cross > /tmp/cross.tsv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from answers_report import is_held_out, load_held_out  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402

from actions.answers import number_words, read_answer  # noqa: E402
from actions.eligibility_form import ValidateEligibilityForm  # noqa: E402
from bot.nlg import CatalogueNLG  # noqa: E402
from tests.actions.flows import DOMAIN  # noqa: E402
from tests.actions.test_answers import shown  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "answers" / "dev.yml")
    parser.add_argument("--cross", action="store_true", help="under every question too")
    args = parser.parse_args()
    if is_held_out(args.set):
        parser.error("a held-out set stays closed")
    nlg = CatalogueNLG(domain=Domain.load(str(ROOT / "domain.yml")))
    validator = ValidateEligibilityForm()
    words = number_words()
    for language, questions in load_held_out(args.set).items():
        asked = list(questions) if args.cross else []
        specs = {q: validator.slot_spec(q, DOMAIN) for q in {*questions, *asked}}
        choices = {q: shown(nlg, q, language) for q in specs}
        for question, items in questions.items():
            for text, _ in items:
                for under in [question] + [q for q in asked if q != question]:
                    found, value = read_answer(text, specs[under], choices[under], words)
                    read = json.dumps(value, ensure_ascii=False) if found else "-"
                    print(f"{language}\t{question}\t{under}\t{text}\t{read}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
