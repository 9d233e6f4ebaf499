"""Fold-1 (or any fold) accuracy of the current NLU data on a fixed test part: a base revision's.

Run in the assistant environment (nice: it fits one model):

    nice .venv/assistant/bin/python scripts/nlu_cv_since.py config.yml --base <git rev>
        [--only-fold 1] [--intents ps] [--out var/nlu-cv]

`scripts/nlu_cv.py` draws its folds from the data it reads, so adding examples changes
which examples are held back, and the new (harder, more varied) examples join the test
part: before/after figures are then on different sets. Here the examples that were in the
data at `--base` keep that revision's folds (the same split nlu_cv.py made then); examples
added since train only, and examples that were removed or changed intent are left out.
The held-back part is the base's fold, so the figures answer "does the added data help on
the examples that were held back before?", and at `--base HEAD` on unchanged data they
equal nlu_cv.py's fold. Like nlu_cv.py, the held-out sets (tests/) are never read.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import nlu_cv  # noqa: E402  (a script beside this one, not a package)


def base_data(rev: str, directory: Path) -> Path:
    """The data/nlu files of a git revision, written to a directory."""
    names = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", rev, "data/nlu/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (directory / Path(name).name).write_text(text, encoding="utf-8")
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--base", required=True, help="git revision whose folds are kept")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only-fold", type=int, default=1)
    parser.add_argument("--intents", action="append", default=[], metavar="LANG")
    parser.add_argument("--name", help="name of the result (default: since-<base>)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "nlu-cv")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tests" in args.data.resolve().parts:
        parser.error("cross-validation reads training data only, never the held-out sets")

    import logging

    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        base_examples, _ = nlu_cv.load_examples(base_data(args.base, Path(directory)))
    base_fold = nlu_cv.folds_of(base_examples, args.folds, args.seed)
    fold_of = {
        (e["lang"], e["text"], e["intent"]): f
        for e, f in zip(base_examples, base_fold, strict=True)
    }
    examples, full_data = nlu_cv.load_examples(args.data)
    # New examples get no fold (-1): they are never held back.
    fold = [fold_of.get((e["lang"], e["text"], e["intent"]), -1) for e in examples]
    part = args.only_fold - 1
    print(
        f"base {args.base}: {len(base_examples)} examples; now {len(examples)}, of which "
        f"{fold.count(-1)} added since (training only); {fold.count(part)} held back "
        f"(the base's fold {args.only_fold} less {base_fold.count(part) - fold.count(part)} "
        "removed or moved)"
    )
    steps = nlu_cv.pipeline_of(args.config, {})
    *featurizers, classifier = steps
    predictions, featurizing, fitting = nlu_cv.run_folds(
        featurizers, [classifier], examples, full_data, fold, [part]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    report_args = argparse.Namespace(
        set=[],
        folds=args.folds,
        only_fold=args.only_fold,
        seed=args.seed,
        temperature=False,
        per_intent=args.intents,
        misses=False,
        dev=None,
        out=args.out,
    )
    name = args.name or f"since-{args.base}"
    nlu_cv.report(
        name,
        args.config,
        classifier,
        report_args,
        examples,
        predictions[0],
        featurizing,
        fitting[0],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
