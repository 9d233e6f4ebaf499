"""Cross-validated intent accuracy and confidence thresholds of NLU pipelines, per language.

Run in the assistant environment (nice: it fits one model per fold):

    nice .venv/assistant/bin/python scripts/nlu_cv.py config.yml [other configs...]
        [--folds 5] [--seed 2024] [--set LinearIntentClassifier.C=4 ...] [--out var/nlu-cv]
        [--per-intent ar]

Only the training data (data/nlu/*.yml) is read: the held-out sets (tests/nlu/) are never
opened, so candidates are chosen here and the held-out report is run on the choice alone.
The examples of every language are split into `--folds` parts stratified by (language,
intent); each fold's model is trained on the other parts of every language (one model for
all, as served) and predicts its part. Each config's pipeline runs up to its intent
classifier, in process: its entity extractors and FallbackClassifier are left out (the
fallback is computed from the out-of-fold confidences instead, for the threshold table).

Prints per config and language: accuracy, macro F1, the share of right intents at >= 0.8
and >= 0.6 (actions/base.py's INTENT_ANSWER_CONFIDENCE and INTERRUPTION_CONFIDENCE), the
log loss, the most frequent confusions (`--per-intent LANG`: intent by intent, `--misses`
with the missed training examples), and a table of (threshold, ambiguity threshold):
the share of right answers refused and of wrong answers accepted. Writes the out-of-fold
predictions and the figures to <out>/<config stem>.json. `--temperature` also fits the
softmax temperature that minimises the out-of-fold log loss (logits from the rankings).
`--dev DIR` trains once on all the training data and evaluates DIR/<lang>.yml instead (a
development set written apart from the training data, never the held-out sets).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SKIPPED = {
    "CRFEntityExtractor",
    "RegexEntityExtractor",
    "EntitySynonymMapper",
    "FallbackClassifier",
    "DucklingEntityExtractor",
}
DEV_FOLD = -1  # the fold number of --dev examples: never trained on
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
AMBIGUITIES = (0.0, 0.05, 0.1)


# ------------------------------------------------------------------------ data


def language_of(path: Path) -> str | None:
    """fr.yml and typed_fr.yml are French; shared.yml has no language."""
    stem = path.stem.removeprefix("typed_")
    return None if stem == "shared" else stem


def load_examples(data_dir: Path) -> tuple[list[dict[str, Any]], Any]:
    """Every intent example with its language, and the whole training data (patterns)."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: list[dict[str, Any]] = []
    for path in sorted(data_dir.glob("*.yml")):
        lang = language_of(path)
        for message in load_data(str(path)).intent_examples:
            if lang and message.get("text") and message.get("intent"):
                examples.append(
                    {
                        "text": message.get("text"),
                        "intent": message.get("intent"),
                        "lang": lang,
                    }
                )
    return examples, load_data(str(data_dir))


def folds_of(examples: list[dict[str, Any]], k: int, seed: int) -> list[int]:
    """A fold number per example, stratified by (language, intent)."""
    import random

    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        by_group[(example["lang"], example["intent"])].append(index)
    rng = random.Random(seed)
    fold = [0] * len(examples)
    offset = 0
    for group in sorted(by_group):
        indices = by_group[group]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            fold[index] = (position + offset) % k
        offset += len(indices)  # small groups do not all start in fold 0
    return fold


# ------------------------------------------------------------------------ pipeline


def parse_overrides(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`Component.option=value` (value read as YAML) by component name."""
    overrides: dict[str, dict[str, Any]] = defaultdict(dict)
    for item in items:
        key, _, raw = item.partition("=")
        component, _, option = key.rpartition(".")
        overrides[component][option] = yaml.safe_load(raw)
    return overrides


def pipeline_of(config_path: Path, overrides: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The config's components up to its intent classifier, with overrides applied."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    steps = []
    for step in config["pipeline"]:
        name = step["name"]
        short = name.rsplit(".", 1)[-1]
        if short in SKIPPED:
            continue
        steps.append({**step, **overrides.get(short, {}), **overrides.get(name, {})})
    return steps


def build(step: dict[str, Any], storage: Any, index: int) -> Any:
    """One component, created as Rasa's graph creates it (defaults, then the options)."""
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.utils.common import override_defaults

    options = {k: v for k, v in step.items() if k != "name"}
    clazz = DefaultV1Recipe._from_registry(step["name"]).clazz
    node = f"{clazz.__name__}{index}"
    context = ExecutionContext(graph_schema=None, node_name=node)  # type: ignore[arg-type]
    config = override_defaults(clazz.get_default_config(), options)
    return clazz.create(config, storage, Resource(node), context)


def run_folds(
    steps: list[dict[str, Any]],
    classifiers: list[dict[str, Any]],
    examples: list[dict[str, Any]],
    full_data: Any,
    fold: list[int],
    parts: list[int],
) -> tuple[list[list[dict[str, Any]]], list[float], list[list[float]]]:
    """Out-of-fold rankings of every classifier variant for every example, and CPU seconds.

    The tokenizer and featurizers (`steps`) are trained once per fold, as Rasa's graph
    trains them; each classifier variant then trains on the same features.
    """
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    predictions: list[list[dict[str, Any]]] = [[{} for _ in examples] for _ in classifiers]
    featurizing: list[float] = []
    fitting: list[list[float]] = [[] for _ in classifiers]
    for part in parts:
        started = time.process_time()
        train = [
            Message(data={"text": e["text"], "intent": e["intent"]})
            for e, f in zip(examples, fold, strict=True)
            if f != part
        ]
        test_indices = [i for i, f in enumerate(fold) if f == part]
        test = [Message(data={"text": examples[i]["text"]}) for i in test_indices]
        data = TrainingData(
            training_examples=train,
            entity_synonyms=copy.deepcopy(full_data.entity_synonyms),
            regex_features=copy.deepcopy(full_data.regex_features),
            lookup_tables=copy.deepcopy(full_data.lookup_tables),
        )
        with tempfile.TemporaryDirectory() as directory:
            storage = LocalModelStorage(Path(directory))
            for index, step in enumerate(steps):
                component = build(step, storage, index)
                if hasattr(component, "train"):
                    component.train(data)
                component.process_training_data(data)
                component.process(test)
            featurizing.append(time.process_time() - started)
            for variant, step in enumerate(classifiers):
                started = time.process_time()
                classifier = build(step, storage, len(steps) + variant)
                classifier.train(data)
                classifier.process(test)
                for index, message in zip(test_indices, test, strict=True):
                    ranking = message.get("intent_ranking") or [message.get("intent")]
                    predictions[variant][index] = {
                        "ranking": [(r["name"], float(r["confidence"])) for r in ranking[:10]]
                    }
                fitting[variant].append(time.process_time() - started)
        print(
            f"  fold {part + 1}: features {featurizing[-1]:.1f} s CPU, classifiers "
            + ", ".join(f"{f[-1]:.1f}" for f in fitting),
            flush=True,
        )
    return predictions, featurizing, fitting


# ------------------------------------------------------------------------ figures


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro F1 over the true intents (predicted-only labels count as errors, not classes)."""
    labels = sorted({t for t, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, macro F1, confidence shares, log loss and the threshold table of rows."""
    n = len(rows)
    right = [r for r in rows if r["predicted"] == r["intent"]]
    table = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            refused_right = accepted_wrong = 0
            for r in rows:
                accepted = r["confidence"] >= threshold and r["margin"] >= ambiguity
                if r["predicted"] == r["intent"] and not accepted:
                    refused_right += 1
                elif r["predicted"] != r["intent"] and accepted:
                    accepted_wrong += 1
            table.append(
                {
                    "threshold": threshold,
                    "ambiguity": ambiguity,
                    "right_refused": round(refused_right / n, 4),
                    "wrong_accepted": round(accepted_wrong / n, 4),
                }
            )
    confusions = Counter((r["intent"], r["predicted"]) for r in rows if r not in right)
    return {
        "examples": n,
        "accuracy": round(len(right) / n, 4),
        "macro_f1": round(macro_f1([(r["intent"], r["predicted"]) for r in rows]), 4),
        "right_at_0.8": round(sum(r["confidence"] >= 0.8 for r in right) / n, 4),
        "right_at_0.6": round(sum(r["confidence"] >= 0.6 for r in right) / n, 4),
        "wrong_at_0.8": round(sum(r["confidence"] >= 0.8 for r in rows if r not in right) / n, 4),
        "wrong_at_0.6": round(sum(r["confidence"] >= 0.6 for r in rows if r not in right) / n, 4),
        "log_loss": round(sum(-math.log(max(r["p_true"], 1e-6)) for r in rows) / n, 4),
        "thresholds": table,
        "confusions": [
            {"expected": e, "predicted": p, "count": c} for (e, p), c in confusions.most_common(10)
        ],
    }


def summarise(examples: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> list[dict]:
    """One row per example: truth, top intent, its confidence, margin to the second."""
    rows = []
    for example, prediction in zip(examples, predictions, strict=True):
        ranking = prediction["ranking"]
        top, confidence = ranking[0]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        p_true = next((c for name, c in ranking if name == example["intent"]), 0.0)
        rows.append(
            {
                **example,
                "predicted": top,
                "confidence": confidence,
                "margin": confidence - second,
                "p_true": p_true,
            }
        )
    return rows


def print_report(name: str, by_lang: dict[str, dict[str, Any]], cpu: list[float]) -> None:
    """The per-language figures and the threshold table of one config."""
    print(f"\n== {name}: {sum(cpu):.0f} s CPU for {len(cpu)} folds")
    print(
        f"{'lang':<6}{'n':>6}{'acc':>8}{'macroF1':>9}{'ok>=.8':>8}{'ok>=.6':>8}"
        f"{'bad>=.6':>9}{'logloss':>9}"
    )
    for lang, f in by_lang.items():
        print(
            f"{lang:<6}{f['examples']:>6}{f['accuracy']:>8.3f}{f['macro_f1']:>9.3f}"
            f"{f['right_at_0.8']:>8.3f}{f['right_at_0.6']:>8.3f}{f['wrong_at_0.6']:>9.3f}"
            f"{f['log_loss']:>9.3f}"
        )
    print("threshold/ambiguity: right refused / wrong accepted, per language")
    langs = list(by_lang)
    print(f"{'t':>5}{'amb':>6}" + "".join(f"{lang:>14}" for lang in langs))
    for i, row in enumerate(by_lang[langs[0]]["thresholds"]):
        cells = "".join(
            f"{by_lang[lang]['thresholds'][i]['right_refused']:>7.3f}/"
            f"{by_lang[lang]['thresholds'][i]['wrong_accepted']:<6.3f}"
            for lang in langs
        )
        print(f"{row['threshold']:>5.2f}{row['ambiguity']:>6.2f}{cells}")
    for lang, f in by_lang.items():
        top = ", ".join(
            f"{c['expected']}->{c['predicted']} {c['count']}" for c in f["confusions"][:5]
        )
        print(f"  {lang} confusions: {top}")


def print_per_intent(lang: str, rows: list[dict[str, Any]], misses: bool) -> None:
    """Accuracy and confusions intent by intent for one language (and its misses if asked)."""
    rows = [r for r in rows if r["lang"] == lang]
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_intent[row["intent"]].append(row)
    print(f"per intent, {lang}: n, accuracy, predicted instead (count)")
    for intent, group in sorted(by_intent.items(), key=lambda item: _accuracy(item[1])):
        wrong = Counter(r["predicted"] for r in group if r["predicted"] != intent)
        cells = ", ".join(f"{p} {c}" for p, c in wrong.most_common())
        print(f"  {intent:<26}{len(group):>4}{_accuracy(group):>7.2f}  {cells}")
        if misses:
            for r in group:
                if r["predicted"] != intent:
                    print(f"      {r['text']!r} -> {r['predicted']} {r['confidence']:.2f}")


def _accuracy(rows: list[dict[str, Any]]) -> float:
    return sum(r["predicted"] == r["intent"] for r in rows) / len(rows)


def with_temperature(rows: list[dict[str, Any]], temperature: float) -> list[dict[str, Any]]:
    """Rows as if the softmax were taken at this temperature (from the top-5 rankings)."""
    out = []
    for row in rows:
        ranking = row["ranking"]
        logs = [math.log(max(c, 1e-12)) / temperature for _, c in ranking]
        # The classes beyond the top 5 keep their share of the rest of the mass.
        rest = max(1.0 - sum(c for _, c in ranking), 1e-12)
        logs_rest = math.log(rest) / temperature
        top = max([*logs, logs_rest])
        weights = [math.exp(v - top) for v in logs]
        total = sum(weights) + math.exp(logs_rest - top)
        probs = [w / total for w in weights]
        p_true = next(
            (p for (name, _), p in zip(ranking, probs, strict=True) if name == row["intent"]), 0.0
        )
        out.append(
            {
                **row,
                "confidence": probs[0],
                "margin": probs[0] - (probs[1] if len(probs) > 1 else 0.0),
                "p_true": p_true if p_true else min(probs[-1], rest),
            }
        )
    return out


def report(
    name: str,
    config: Path,
    classifier: dict[str, Any],
    args: argparse.Namespace,
    examples: list[dict[str, Any]],
    predictions: list[dict[str, Any]],
    featurizing: list[float],
    fitting: list[float],
) -> None:
    """Print one variant's figures and write them, with its predictions, to <out>/<name>.json."""
    # Only the examples that were predicted (all of them, unless --only-fold).
    kept = [i for i, p in enumerate(predictions) if p]
    examples, predictions = [examples[i] for i in kept], [predictions[i] for i in kept]
    counts = Counter(e["lang"] for e in examples)
    cpu = [a + b for a, b in zip(featurizing, fitting, strict=True)]
    rows = summarise(examples, predictions)
    for row, prediction in zip(rows, predictions, strict=True):
        row["ranking"] = prediction["ranking"]
    result: dict[str, Any] = {
        "config": str(config),
        "classifier": classifier,
        "overrides": args.set,
        "folds": args.folds,
        "only_fold": args.only_fold,
        "seed": args.seed,
        "cpu_seconds_features": [round(c, 1) for c in featurizing],
        "cpu_seconds_classifier": [round(c, 1) for c in fitting],
    }
    variants = [(name, rows)]
    if args.temperature:
        best = min(
            (t / 10 for t in range(3, 31)),
            key=lambda t: sum(-math.log(max(r["p_true"], 1e-6)) for r in with_temperature(rows, t)),
        )
        result["temperature"] = best
        variants.append((f"{name} at temperature {best:.1f}", with_temperature(rows, best)))
    for label, variant in variants:
        by_lang = {
            lang: figures([r for r in variant if r["lang"] == lang])
            for lang in sorted(counts, key=lambda c: (c not in ("fr", "en"), c != "fr", c))
        }
        by_lang["all"] = figures(variant)
        print_report(label, by_lang, cpu)
        for lang in args.per_intent:
            print_per_intent(lang, variant, args.misses)
        result.setdefault("languages", by_lang)
        if label != name:
            result["languages_at_temperature"] = by_lang
    result["predictions"] = [
        {k: r[k] for k in ("text", "lang", "intent", "predicted", "confidence")} for r in rows
    ]
    suffix = "-dev" if args.dev else f"-fold{args.only_fold}" if args.only_fold else ""
    path = args.out / f"{name}{suffix}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--set", action="append", default=[], metavar="COMPONENT.OPTION=VALUE")
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="OPTION=V1,V2",
        help="classifier variants sharing one featurization per fold (e.g. C=1,3,10)",
    )
    parser.add_argument(
        "--only-fold",
        type=int,
        help="evaluate this fold alone (1..folds): a dev split, k times faster",
    )
    parser.add_argument(
        "--per-intent",
        "--intents",
        action="append",
        default=[],
        metavar="LANG",
        help="also list accuracy and confusions intent by intent for this language",
    )
    parser.add_argument(
        "--misses", action="store_true", help="with --per-intent: print the missed examples"
    )
    parser.add_argument(
        "--dev",
        type=Path,
        metavar="DIR",
        help="train on all of --data and evaluate <lang>.yml files of DIR (a development set)",
    )
    parser.add_argument("--name", help="name of the result (default: the config's stem)")
    parser.add_argument("--temperature", action="store_true", help="fit a softmax temperature")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "nlu-cv")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if any("tests" in d.resolve().parts for d in (args.data, args.dev) if d):
        parser.error("cross-validation reads training data only, never the held-out sets")

    import logging

    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    examples, full_data = load_examples(args.data)
    fold = folds_of(examples, args.folds, args.seed)
    if args.dev:
        # Trained on every training example, evaluated on the development set alone.
        dev_examples, _ = load_examples(args.dev)
        examples, fold = examples + dev_examples, fold + [DEV_FOLD] * len(dev_examples)
    counts = Counter(e["lang"] for e in examples)
    print("examples: " + ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items())))
    overrides = parse_overrides(args.set)
    args.out.mkdir(parents=True, exist_ok=True)
    for config in args.configs:
        steps = pipeline_of(config, overrides)
        *featurizers, classifier = steps
        variants = [(args.name or config.stem, classifier)]
        for item in args.grid:
            option, _, raw = item.partition("=")
            variants = [
                (f"{name}-{option}{value}", {**step, option: yaml.safe_load(value)})
                for name, step in variants
                for value in raw.split(",")
            ]
        print(
            f"\n{config}: "
            + " -> ".join(s["name"].rsplit(".", 1)[-1] for s in steps)
            + f"; variants: {', '.join(name for name, _ in variants)}"
        )
        parts = [args.only_fold - 1] if args.only_fold else list(range(args.folds))
        if args.dev:
            parts = [DEV_FOLD]
        predictions, featurizing, fitting = run_folds(
            featurizers, [step for _, step in variants], examples, full_data, fold, parts
        )
        for (name, step), variant_predictions, cpu in zip(
            variants, predictions, fitting, strict=True
        ):
            report(name, config, step, args, examples, variant_predictions, featurizing, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
