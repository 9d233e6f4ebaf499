"""The per-intent listing of scripts/nlu_cv.py: one language, worst intent first."""

import pytest

from scripts.nlu_cv import print_per_intent


def row(text: str, intent: str, predicted: str, lang: str = "prs") -> dict:
    return {"text": text, "intent": intent, "predicted": predicted, "lang": lang, "confidence": 0.5}


def test_per_intent_lists_worst_first_with_confusions(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        row("بلی", "affirm", "affirm"),
        row("ها", "affirm", "affirm"),
        row("نی", "deny", "affirm"),
        row("نه", "deny", "deny"),
        row("no", "deny", "stop_form", lang="en"),
    ]
    print_per_intent("prs", rows, misses=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["deny", "2", "0.50", "affirm", "1"]
    assert lines[2].split()[0] == "'نی'"
    assert lines[3].split() == ["affirm", "2", "1.00"]
    assert len(lines) == 4  # the English row is not listed
