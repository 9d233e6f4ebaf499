#!/usr/bin/env python3
"""A later held-out set without every answer equal to a development answer or a lexicon
phrase (any length), through the stack: aggregates only, the misses are never printed.

A strict lower bound of how the reading generalises: the answers left out are mostly the
question's plain vocabulary. Development answers are those of the revisions named for the
set (the passes' branch heads kept theirs before the merge deleted the coincidences).

    .venv/assistant/bin/python bench/answers/held_out_without_coincidences.py
    .venv/assistant/bin/python bench/answers/held_out_without_coincidences.py --set held_out_3.yml
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import answers_report as report  # noqa: E402

# Per set: the code it was written against, then the branch heads of the pass after it.
REVISIONS = {
    # ff9ea32; the fifth pass's Dari, Pashto, Arabic and numbers heads.
    "held_out_2.yml": ("ff9ea32", "aecd5c7", "5a5bf9d", "68b33ca", "aa8650d", "HEAD"),
    # e21f9ee; the sixth pass's Arabic, Dari, Pashto and speed heads.
    "held_out_3.yml": ("e21f9ee", "4cdede8", "0308672", "75d6c84", "441a162", "HEAD"),
}


def development_keys(revisions: tuple[str, ...]) -> set[str]:
    """Every development answer of the revisions, as the copy check compares them."""
    keys: set[str] = set()
    for revision in revisions:
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:tests/answers/dev.yml"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for questions in yaml.safe_load(shown).values():
            for items in questions.values():
                keys.update(report._letters(str(text)) for text, _ in items)
    return keys


def lexicon_keys() -> set[str]:
    """Every phrase of data/answers.yml, as the copy check compares them."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, str | int):
                    keys.add(report._letters(str(value)))
                else:
                    walk(value)

    walk(yaml.safe_load((ROOT / "data" / "answers.yml").read_text(encoding="utf-8")))
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="held_out_2.yml", choices=sorted(REVISIONS))
    name = parser.parse_args().set
    seen = development_keys(REVISIONS[name]) | lexicon_keys()
    kept: dict[str, dict[str, list[list[Any]]]] = {}
    left_out: dict[str, int] = {}
    for language, questions in report.load_held_out(report.HELD_OUT.with_name(name)).items():
        kept[language] = {}
        for question, items in questions.items():
            unseen = [[text, value] for text, value in items if report._letters(text) not in seen]
            kept[language][question] = unseen
            left_out[language] = left_out.get(language, 0) + len(items) - len(unseen)
    print(f"left out (equal to a development answer or a lexicon phrase): {left_out}")
    with tempfile.TemporaryDirectory() as workdir:
        answers = Path(workdir) / "held_out_unseen.yml"
        answers.write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")
        model = (ROOT / "models" / "emile.tar.gz").resolve()
        stack_dir = Path(tempfile.mkdtemp(prefix="emile-answers-"))
        with report.Stack(stack_dir, model=model) as stack:
            os.environ["EMILE_REST_SECRET"] = stack.rest_secret
            result = report.measure(
                stack.rasa_url, 2, progress=lambda _line: None, answers=answers, exits=False
            )
    for language, scores in result["languages"].items():
        print(f"{language}: {scores['understood']}/{scores['answers']} ({scores['share']:.1%})")


if __name__ == "__main__":
    main()
