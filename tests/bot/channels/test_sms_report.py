"""The SMS cost report: per SMS, per conversation, per `max_segments`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.channels.sms_report import compare_limits, cost_of_sent, cost_of_turns, format_report

ROOT = Path(__file__).resolve().parents[3]
TURNS = [
    ["Bonjour ! Choisissez votre langue.\n1. Français\n2. English"],
    ["Merci.", "Où dormez-vous en ce moment ?\n1. À la rue\n2. En foyer (115)"],
    [" ".join(["Une phrase assez longue pour remplir des segments."] * 12)],
]


def test_cost_of_turns_plans_like_the_channel() -> None:
    cost = cost_of_turns("fr", TURNS, 2)
    assert [line.turn for line in cost.sms][:2] == [1, 2]  # "Merci." packed with the question
    assert cost.sms[0].encoding == "UCS-2" and cost.sms[0].ucs2_characters == "ç"
    assert cost.sms[1].encoding == "GSM-7"  # À becomes A
    assert all(line.segments <= 2 for line in cost.sms)
    assert cost.total_segments == sum(line.segments for line in cost.sms)
    summary = cost.summary()
    assert summary["sms"] == cost.total_sms and summary["ucs2_sms"] == 1


def test_compare_limits_and_format() -> None:
    rows = compare_limits({"fr": TURNS}, (1, 3))
    assert [r["max_segments"] for r in rows] == [1, 3]
    assert rows[0]["sms"] >= rows[1]["sms"]
    text = format_report([cost_of_sent("en", ["Hello", "a" * 200])])
    assert "== en: 2 SMS, 3 segments, 0 in UCS-2" in text


def test_command_line(tmp_path: Path) -> None:
    transcript = tmp_path / "sms.json"
    transcript.write_text(json.dumps({"fr": {"turns": TURNS, "sent": ["Bonjour"]}}), "utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sms_segments_report.py"), str(transcript)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "fr  max 2:" in result.stdout
    as_json = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "sms_segments_report.py"),
            str(transcript),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(as_json.stdout)
    assert {c["language"] for c in data["costs"]} == {"fr"}
