#!/usr/bin/env python
"""SMS segments and encoding per message, and totals per complete conversation.

    .venv/assistant/bin/python scripts/sms_segments_report.py TRANSCRIPT.json [--limits 1,2,3]

TRANSCRIPT.json holds, per language, either the bot's turns (a list of turns, each a list
of message texts with choices as numbered lines) or the SMS bodies as sent:

    {"fr": {"turns": [["Bonjour…", "Où dormez-vous ?\\n1. …"], …]},
     "en": {"sent": ["Hello…", …]}}

The end-to-end SMS test writes such a file (tests/e2e/test_sms.py, EMILE_SMS_TRANSCRIPT).
`--without-isolates` costs the same texts without their bidirectional isolates and marks
(bot/bidi.py), to see what keeping codes and numbers in order costs in right-to-left SMS.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bidi import strip_controls
from bot.channels.sms_report import (
    as_json,
    compare_limits,
    cost_of_sent,
    cost_of_turns,
    format_report,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("transcript", type=Path)
    parser.add_argument("--limits", default="1,2,3", help="max segments per SMS to compare")
    parser.add_argument("--max-segments", type=int, default=2, help="the channel's setting")
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    parser.add_argument("--text", action="store_true", help="show each SMS's text")
    parser.add_argument(
        "--without-isolates", action="store_true", help="cost the texts without bidi controls"
    )
    args = parser.parse_args(argv)

    data = json.loads(args.transcript.read_text(encoding="utf-8"))
    if args.without_isolates:
        for entry in data.values():
            if "turns" in entry:
                entry["turns"] = [[strip_controls(t) for t in turn] for turn in entry["turns"]]
            if "sent" in entry:
                entry["sent"] = [strip_controls(body) for body in entry["sent"]]
    costs = []
    turns_by_language = {}
    for language, entry in data.items():
        if "turns" in entry:
            turns_by_language[language] = entry["turns"]
            costs.append(cost_of_turns(language, entry["turns"], args.max_segments))
        if "sent" in entry:
            costs.append(cost_of_sent(language, entry["sent"]))
    limits = [int(x) for x in args.limits.split(",") if x.strip()]
    comparison = compare_limits(turns_by_language, limits)
    if args.json:
        print(json.dumps({"costs": as_json(costs), "limits": comparison}, indent=2))
        return 0
    print(format_report(costs, show_text=args.text))
    if comparison:
        print("\n== totals per complete conversation by max segments per SMS")
        for row in comparison:
            print(
                f"{row['language']:>4}  max {row['max_segments']}: {row['sms']:>3} SMS, "
                f"{row['segments']:>3} segments, {row['ucs2_sms']} UCS-2"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
