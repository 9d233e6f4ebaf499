"""The Rasa data and model: `rasa data validate` without unexplained warnings, the test
stories of every flow predicted without an error, and the held-out NLU test set of each
language understood (scripts/nlu_report.py; the report is kept beside the test's files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.i18n import load_languages
from tests.e2e.stack import BOT_VENV, ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_rasa_data_validate() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/validate_data.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def test_stories_of_every_flow(model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "nice",
            str(BOT_VENV / "rasa"),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/stories",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]


# Floors well under what the model reaches: falling under one means the NLU data or
# pipeline broke, not noise (the logistic regression is deterministic: same data, same
# scores). Reached on 2026-12-01 (issue 10, folding tokenizer + tf-idf logistic regression
# of bot/nlu/, docs/assistant.md): accuracy / macro F1 fr 0.980 / 0.980, en 0.983 / 0.980
# (evening, with more ar/prs/ps data: fr 0.980 / 0.980, en 0.976 / 0.971)
# (target 0.976, met). Languages added in issue 10 (ar, prs, ps: every language with a
# held-out file), once declared complete: 0.835 / 0.837, 0.854 / 0.859, 0.870 / 0.869 on
# 2026-12-01 afternoon; with the evening's training data ar 0.904 / 0.903 (target 0.90 met),
# prs 0.888 / 0.891, ps 0.884 / 0.881. Their floor here guards against a breakage, a few
# points under what is reached; raise it to 0.90 when every one of them meets the target.
MIN_INTENT_ACCURACY = 0.96
MIN_INTENT_MACRO_F1 = 0.96
MIN_NEW_LANGUAGE = 0.86
MIN_NEW_LANGUAGE_EXAMPLES = 100


def test_held_out_nlu_per_language(model: Path, tmp_path: Path) -> None:
    summary = tmp_path / "nlu-report.json"
    result = subprocess.run(
        [
            sys.executable,
            "scripts/nlu_report.py",
            "--model",
            str(model),
            "--out",
            str(summary),
            "--results",
            str(tmp_path / "nlu-results"),
            "--no-floors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert report["data_problems"] == []
    print(result.stdout[-2000:])
    for language in ("fr", "en"):
        scores = report["languages"][language]
        assert scores["examples"] >= 200, language
        assert scores["intent_accuracy"] >= MIN_INTENT_ACCURACY, (language, scores)
        assert scores["intent_macro_f1"] >= MIN_INTENT_MACRO_F1, (language, scores)
    # Asserted once the language is declared complete (the lead flips it after review);
    # reported before.
    complete = {language.code for language in load_languages().complete}
    for language, scores in report["languages"].items():
        if language in ("fr", "en") or language not in complete:
            continue
        assert scores["examples"] >= MIN_NEW_LANGUAGE_EXAMPLES, language
        assert scores["intent_accuracy"] >= MIN_NEW_LANGUAGE, (language, scores)
        assert scores["intent_macro_f1"] >= MIN_NEW_LANGUAGE, (language, scores)
