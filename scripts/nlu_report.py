"""Check the NLU data and report a trained model's accuracy per language.

Run in the assistant environment:

    .venv/assistant/bin/python scripts/nlu_report.py --model models/<model>.tar.gz
    .venv/assistant/bin/python scripts/nlu_report.py --check-only

Checks (always run, before any evaluation; any failure makes the exit code 1):
  * no training example is given under two intents (same normalisation as below);
  * no held-out test example (tests/nlu/<lang>.yml) is also a training example
    (data/nlu/*.yml), compared case-insensitively, ignoring punctuation and spacing;
  * every intent of the conversation contract has training and test examples in each
    language file;
  * every annotated entity value, once the training synonyms are applied, is a value
    the slot accepts (api/enums.py, data/territories.yml codes, digits for `number`).

Evaluation: the model is loaded once and each tests/nlu/<lang>.yml is evaluated with
Rasa's own `rasa test nlu` routine (reports in var/nlu-results/<lang>/); prints the
intent accuracy and macro F1 (and entity F1), the most frequent confusions, and writes
a JSON summary (default var/nlu-report.json).

Languages: by default every language with both data/nlu/<lang>.yml and
tests/nlu/<lang>.yml. Floors (issue 10): intent accuracy and macro F1 of at least 0.976
for fr and en (what the model reached before Arabic, Dari and Pashto joined), 0.90 for
the others; a language under its floor makes the exit status 1 (`--no-floors`: report
only, as the end-to-end test does, with its own margins).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.vocabulary import INTENTS as CONTRACT_INTENTS  # noqa: E402

# Entity name -> enum class in api/enums.py (territory and number are handled apart).
ENTITY_ENUMS = {
    "language": "Language",
    "residence_area": "ResidenceArea",
    "housing_situation": "HousingSituation",
    "right_to_work": "RightToWork",
    "work_situation": "WorkSituation",
    "ready_to_move": "ReadyToMove",
    "driving_licence": "DrivingLicence",
    "french_level": "FrenchLevel",
    "sector": "Sector",
}

MIN_TRAIN_EXAMPLES = 20
MIN_TEST_EXAMPLES = 5
# Intent accuracy and macro F1 floors per language; FLOOR for any other language.
FLOORS = {"fr": 0.976, "en": 0.976}
FLOOR = 0.90


def floor_of(language: str) -> float:
    """The accuracy and macro F1 a language must reach."""
    return FLOORS.get(language, FLOOR)


def languages_with_tests(data_dir: Path, tests_dir: Path) -> list[str]:
    """Languages with training and held-out files, French and English first."""
    found = {path.stem for path in tests_dir.glob("*.yml") if (data_dir / path.name).exists()}
    return sorted(found, key=lambda code: (code not in ("fr", "en"), code != "fr", code))


# --------------------------------------------------------------------------- checks


def normalise(text: str) -> str:
    """Case-, punctuation- and spacing-insensitive form of an example."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in text)
    return " ".join(text.split())


def allowed_values() -> dict[str, set[str]]:
    """The values each entity may take, read from the code and data files."""
    spec = importlib.util.spec_from_file_location("_emile_enums", ROOT / "api" / "enums.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load api/enums.py")
    enums = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(enums)
    values = {
        entity: {member.value for member in getattr(enums, name)}
        for entity, name in ENTITY_ENUMS.items()
    }
    catalogue = yaml.safe_load((ROOT / "data" / "territories.yml").read_text(encoding="utf-8"))
    values["territory"] = {t["code"] for t in catalogue.get("territories", [])}
    return values


def load(path: Path) -> Any:
    """Load Rasa NLU data (a file or a directory) with Rasa's own reader."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def check_data(
    data_dir: Path, tests_dir: Path, languages: list[str]
) -> tuple[list[str], dict[str, Any]]:
    """Return the problems found (none when the data is sound) and example counts."""
    problems: list[str] = []
    counts: dict[str, Any] = {}
    training = load(data_dir)
    synonyms = {k.lower(): v for k, v in training.entity_synonyms.items()}
    train_index: dict[str, str] = {}
    for message in training.intent_examples:
        key, intent = normalise(message.get("text")), message.get("intent")
        if key in train_index and train_index[key] != intent:
            problems.append(
                f"{data_dir}: {message.get('text')!r} is an example of both "
                f"{train_index[key]} and {intent}"
            )
        train_index.setdefault(key, intent)

    values = allowed_values()

    def check_entities(messages: list[Any], where: str) -> None:
        for message in messages:
            for entity in message.get("entities") or []:
                name, raw = entity["entity"], str(entity["value"])
                value = synonyms.get(raw.lower(), raw)
                if name == "number":
                    ok = value.isdigit()
                elif name in values:
                    ok = value in values[name]
                else:
                    problems.append(f"{where}: unknown entity {name!r} in {message.get('text')!r}")
                    continue
                if not ok:
                    problems.append(
                        f"{where}: {name}={raw!r} maps to {value!r}, not a valid value "
                        f"(in {message.get('text')!r})"
                    )

    check_entities(training.intent_examples, str(data_dir))

    for lang in languages:
        train_file = data_dir / f"{lang}.yml"
        test_file = tests_dir / f"{lang}.yml"
        for path in (train_file, test_file):
            if not path.exists():
                problems.append(f"missing {path}")
        if not (train_file.exists() and test_file.exists()):
            continue
        train_counts = Counter(m.get("intent") for m in load(train_file).intent_examples)
        test_data = load(test_file)
        test_counts = Counter(m.get("intent") for m in test_data.intent_examples)
        counts[lang] = {
            "train_examples": sum(train_counts.values()),
            "test_examples": sum(test_counts.values()),
            "train_per_intent": dict(sorted(train_counts.items())),
            "test_per_intent": dict(sorted(test_counts.items())),
        }
        for intent in CONTRACT_INTENTS:
            if train_counts[intent] < MIN_TRAIN_EXAMPLES:
                problems.append(
                    f"{train_file}: {intent} has {train_counts[intent]} examples "
                    f"(< {MIN_TRAIN_EXAMPLES})"
                )
            if test_counts[intent] < MIN_TEST_EXAMPLES:
                problems.append(
                    f"{test_file}: {intent} has {test_counts[intent]} examples "
                    f"(< {MIN_TEST_EXAMPLES})"
                )
        for intent in sorted(set(train_counts) - set(CONTRACT_INTENTS)):
            problems.append(f"{train_file}: intent {intent!r} is not in the contract")
        seen: set[str] = set()
        for message in test_data.intent_examples:
            key = normalise(message.get("text"))
            if key in train_index:
                problems.append(
                    f"{test_file}: test example {message.get('text')!r} "
                    f"({message.get('intent')}) is also a training example "
                    f"({train_index[key]})"
                )
            if key in seen:
                problems.append(f"{test_file}: duplicate test example {message.get('text')!r}")
            seen.add(key)
        check_entities(test_data.intent_examples, str(test_file))
    counts["entity_synonyms"] = len(synonyms)
    return problems, counts


# ------------------------------------------------------------------------ evaluation


def quiet_rasa() -> None:
    """Rasa's and TensorFlow's logs at WARNING, as `rasa test nlu --quiet` sets them."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def load_processor(model: Path) -> Any:
    """Load the trained model once; every language is evaluated with it."""
    from rasa.core.agent import Agent

    return Agent.load(model_path=str(model)).processor


def evaluate(processor: Any, test_file: Path, out_dir: Path) -> dict[str, Any]:
    """Evaluate one test file as `rasa test nlu` does and summarise its reports."""
    import asyncio

    from rasa.nlu.test import run_evaluation

    out_dir.mkdir(parents=True, exist_ok=True)
    domain = ROOT / "domain.yml"
    asyncio.run(
        run_evaluation(
            str(test_file),
            processor,
            output_directory=str(out_dir),
            errors=True,
            disable_plotting=True,
            report_as_dict=True,
            domain_path=str(domain) if domain.exists() else None,
        )
    )
    report_path = out_dir / "intent_report.json"
    if not report_path.exists():
        raise RuntimeError(f"no intent report for {test_file} in {out_dir}")

    report = json.loads(report_path.read_text(encoding="utf-8"))
    per_intent = {
        name: {
            "precision": round(scores["precision"], 4),
            "recall": round(scores["recall"], 4),
            "f1": round(scores["f1-score"], 4),
            "support": scores["support"],
        }
        for name, scores in report.items()
        if isinstance(scores, dict) and "confused_with" in scores
    }
    errors_path = out_dir / "intent_errors.json"
    confusions: Counter[tuple[str, str]] = Counter()
    if errors_path.exists():
        for error in json.loads(errors_path.read_text(encoding="utf-8")):
            predicted = (error.get("intent_prediction") or {}).get("name")
            confusions[(error["intent"], str(predicted))] += 1

    summary: dict[str, Any] = {
        "test_file": str(test_file),
        "examples": int(report["macro avg"]["support"]),
        "intent_accuracy": round(report["accuracy"], 4),
        "intent_macro_f1": round(report["macro avg"]["f1-score"], 4),
        "intent_weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "per_intent": per_intent,
        "confusions": [
            {"expected": expected, "predicted": predicted, "count": count}
            for (expected, predicted), count in confusions.most_common()
        ],
    }
    # The statistical extractor's report (DIET's, or the CRF's since issue 10), not the
    # regex extractor's (numbers only).
    entity_report_path = next(
        iter(
            sorted(out_dir.glob("*Classifier_report.json"))
            + sorted(out_dir.glob("CRFEntityExtractor_report.json"))
        ),
        None,
    )
    if entity_report_path is not None:
        entities = json.loads(entity_report_path.read_text(encoding="utf-8"))
        macro = entities.get("macro avg") or {}
        micro = entities.get("micro avg") or entities.get("weighted avg") or {}
        summary["entity_macro_f1"] = round(macro.get("f1-score", 0.0), 4)
        summary["entity_micro_f1"] = round(micro.get("f1-score", 0.0), 4)
        summary["per_entity_f1"] = {
            name: round(scores["f1-score"], 4)
            for name, scores in entities.items()
            if isinstance(scores, dict) and name not in {"macro avg", "micro avg", "weighted avg"}
        }
    return summary


def latest_model(models_dir: Path) -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(f"no model in {models_dir}: train one or pass --model")
    return models[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="trained model (default: latest in models/)")
    parser.add_argument(
        "--languages", nargs="+", help="default: every language with data and test files"
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--tests", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "nlu-report.json")
    parser.add_argument("--results", type=Path, default=ROOT / "var" / "nlu-results")
    parser.add_argument("--check-only", action="store_true", help="run the data checks only")
    parser.add_argument(
        "--no-floors", action="store_true", help="report the scores without failing on floors"
    )
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        help="fail when a language's intent accuracy is below this (0-1)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars in the report
    if not args.languages:
        args.languages = languages_with_tests(args.data, args.tests)

    problems, counts = check_data(args.data, args.tests, args.languages)
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        print(f"{len(problems)} data problem(s): the exit status will be 1")
    else:
        print("data checks passed")
    for lang in args.languages:
        if lang in counts:
            print(
                f"{lang}: {counts[lang]['train_examples']} training examples in {lang}.yml, "
                f"{counts[lang]['test_examples']} test examples"
            )
    status = 1 if problems else 0
    if args.check_only:
        return status

    model = args.model or latest_model(ROOT / "models")
    summary: dict[str, Any] = {
        "model": str(model),
        "data_problems": problems,
        "entity_synonyms": counts.get("entity_synonyms"),
        "languages": {},
    }
    print(f"\n{'lang':<5}{'n':>5}{'accuracy':>10}{'macro F1':>10}{'entity F1':>11}{'floor':>7}")
    quiet_rasa()
    processor = load_processor(model)
    for lang in args.languages:
        result = evaluate(processor, args.tests / f"{lang}.yml", args.results / lang)
        summary["languages"][lang] = {**result, **counts.get(lang, {})}
        entity = result.get("entity_micro_f1")
        floor = floor_of(lang)
        under = min(result["intent_accuracy"], result["intent_macro_f1"]) < floor
        summary["languages"][lang]["floor"] = floor
        summary["languages"][lang]["under_floor"] = under
        print(
            f"{lang:<5}{result['examples']:>5}{result['intent_accuracy']:>10.3f}"
            f"{result['intent_macro_f1']:>10.3f}"
            + (f"{entity:>11.3f}" if entity is not None else f"{'-':>11}")
            + f"{floor:>7.3f}"
            + ("  UNDER THE FLOOR" if under else "")
        )
        if result["intent_accuracy"] < args.min_accuracy or (under and not args.no_floors):
            status = 1
    for lang, result in summary["languages"].items():
        top = result["confusions"][:8]
        if top:
            print(f"\n{lang}: most frequent confusions (expected -> predicted)")
            for row in top:
                print(f"  {row['count']:>3}  {row['expected']} -> {row['predicted']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nsummary written to {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
