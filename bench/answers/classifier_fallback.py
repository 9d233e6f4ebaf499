#!/usr/bin/env python3
"""Experiment (2026-12-02, not shipped): could a learned classifier read what the lexicon misses?

Per question with a closed list of values, a logistic regression on character 2-4-grams and
words (tf-idf) is trained on the development answers and the lexicon's phrases of the
checkout it runs in, and tried on the answers of a later development batch (`# batch s6-1`
of a later tests/answers/dev.yml, written before any tuning on it) that this checkout's
lexicon misses. Also counted: nonsense and questions it would take for answers. Figures:
docs/assistant.md, "A learned fallback, measured and left out"; they were taken in a checkout
of ff9ea32 (`git worktree add /tmp/base ff9ea32`) with the batch of the merged tree:

    .venv/assistant/bin/python bench/answers/classifier_fallback.py --dev <merged dev.yml>
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from actions.vocabulary import ANSWER_CHOICES  # noqa: E402
from common.text import normalise  # noqa: E402

CLOSED = tuple(ANSWER_CHOICES)  # the questions with a closed list of values
LANGUAGES = ("ar", "prs", "ps")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
# Not answers: what the fallback must leave to the NLU and the way out.
NOT_ANSWERS = (
    "xqzt blorp",
    "hmm ??",
    "kwkwkw",
    "چقدر پول میدین",
    "کار چطور پیدا کنم",
    "این برنامه چیست",
    "دا پروګرام څه دی",
    "كم تدفعون",
    "ما هو البرنامج",
    "سلام",
    "مرسی",
    "ok",
)

Answer = tuple[str, str, str]  # language, question, text


def answers(text: str) -> dict[Answer, Any]:
    """(language, question, text) -> expected value, of an answer set's YAML."""
    data = yaml.safe_load(text)
    return {
        (language, question, str(typed)): value
        for language, questions in data.items()
        for question, items in questions.items()
        for typed, value in items
    }


def batch(path: Path, marker: str) -> dict[Answer, Any]:
    """The answers written under a `# batch <marker>` comment, to the next comment or key."""
    kept: list[str] = []
    language = question = ""
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and stripped.endswith(":"):
            language, inside = stripped[:-1], False
        elif stripped.endswith(":") and not stripped.startswith("-"):
            question, inside = stripped[:-1], False
        elif stripped.startswith("#"):
            inside = stripped.startswith(f"# batch {marker}")
        elif inside and stripped.startswith("- ["):
            kept.append(f"{language}:\n  {question}:\n    {stripped}\n")
    found: dict[Answer, Any] = {}
    for entry in kept:
        found.update(answers(entry))
    return found


def trained(examples: list[tuple[str, str]]) -> tuple[FeatureUnion, LogisticRegression]:
    """The features and the classifier of one question."""
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", sublinear_tf=True),
    )
    matrix = features.fit_transform([normalise(text) for text, _ in examples])
    classifier = LogisticRegression(C=20, max_iter=2000)
    classifier.fit(matrix, [value for _, value in examples])
    return features, classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, required=True, help="a later dev.yml")
    parser.add_argument("--batch", default="s6-1")
    args = parser.parse_args()
    dev_path = ROOT / "tests" / "answers" / "dev.yml"
    base_dev = answers(dev_path.read_text(encoding="utf-8"))
    base_lexicon = (ROOT / "data" / "answers.yml").read_text(encoding="utf-8")
    new = {
        key: value
        for key, value in batch(args.dev, args.batch).items()
        if key not in base_dev and key[0] in LANGUAGES and key[1] in CLOSED
    }
    # This checkout's reading (the action server's), heavy imports: only here.
    from rasa.shared.core.domain import Domain

    from actions.answers import number_words, read_answer
    from actions.eligibility_form import ValidateEligibilityForm
    from bot.nlg import CatalogueNLG
    from tests.actions.flows import DOMAIN
    from tests.actions.test_answers import shown

    nlg = CatalogueNLG(domain=Domain.load(str(ROOT / "domain.yml")))
    validator = ValidateEligibilityForm()
    words = number_words()
    missed: dict[str, list[tuple[str, Any]]] = collections.defaultdict(list)
    for (language, question, text), value in new.items():
        spec = validator.slot_spec(question, DOMAIN)
        found, got = read_answer(text, spec, shown(nlg, question, language), words)
        if not (found and got == value):
            missed[question].append((text, value))
    lexicon = yaml.safe_load(base_lexicon)["slots"]
    counts: collections.Counter[str] = collections.Counter()
    for question in CLOSED:
        examples = [(t, str(v)) for (_, q, t), v in base_dev.items() if q == question]
        for value, by_language in (lexicon.get(question) or {}).items():
            for phrases in (by_language or {}).values() if isinstance(by_language, dict) else ():
                examples += [(str(p), str(value)) for p in phrases or []]
        features, classifier = trained(examples)
        for text, value in missed[question]:
            probabilities = classifier.predict_proba(features.transform([normalise(text)]))[0]
            best = probabilities.argmax()
            right = classifier.classes_[best] == str(value)
            for threshold in THRESHOLDS:
                if probabilities[best] >= threshold:
                    counts[f"at {threshold}: {'right' if right else 'wrong'}"] += 1
        for text in NOT_ANSWERS:
            top = classifier.predict_proba(features.transform([normalise(text)]))[0].max()
            for threshold in THRESHOLDS:
                counts[f"at {threshold}: not-answers taken"] += int(top >= threshold)
    print(f"batch {args.batch}: {len(new)} answers to closed questions in {', '.join(LANGUAGES)}")
    print(f"the base lexicon missed {sum(map(len, missed.values()))}")
    print(f"not-answers tried: {len(NOT_ANSWERS)} per question, {len(NOT_ANSWERS) * len(CLOSED)}")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")


if __name__ == "__main__":
    main()
