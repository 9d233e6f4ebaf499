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


# Floors: falling under one means the NLU data or pipeline broke, not noise (the logistic
# regression is deterministic: same data, same scores). Held-out accuracy / macro F1 of the
# model of 2026-12-02 (issue 10, docs/assistant.md): fr 0.980 / 0.980, en 0.983 / 0.980
# (target 0.976), ar 0.908 / 0.907, prs 0.909 / 0.913, ps 0.919 / 0.918 (target 0.90).
# fr and en keep a floor a little under their target; the languages of issue 10 (every
# language with a held-out file, once declared complete) are held to the target itself,
# reached by all three since 2026-12-02 (0.835 / 0.854 / 0.870 on 2026-12-01 afternoon).
MIN_INTENT_ACCURACY = 0.96
MIN_INTENT_MACRO_F1 = 0.96
MIN_NEW_LANGUAGE = 0.90
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
