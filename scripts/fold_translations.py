"""Fold one language's content files from locales/<code>/ into the shared data files.

A translator writes a language's typed answers, number words and territory texts beside its
catalogue, in locales/<code>/{answers,number_words,territories}.yml, without touching the
files every language shares (so that translators of several languages never collide). This
adds them to data/answers.yml, data/number_words.yml and data/territories.yml as text, so
the comments and layout of those files stay as they are, then checks that the result reads
back as the old data plus exactly the new language.

    python scripts/fold_translations.py ar [--dry-run]
"""

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
LOCALES = ROOT / "locales"
WIDTH = 100
# A word YAML would read as something else than a plain string, or that needs quotes.
_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9][^,\[\]{}#:]*$")
_NOT_PLAIN = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def scalar(text: object) -> str:
    """`text` as a YAML flow scalar (numbers stay numbers, as the translator wrote them)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return str(text)
    text = str(text)
    if _PLAIN.match(text) and text.lower() not in _NOT_PLAIN and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)


def flow_list(key: str, items: list[object], indent: int) -> list[str]:
    """`key: [a, b, …]` wrapped under WIDTH, continuation lines aligned after the bracket."""
    head = " " * indent + f"{key}: ["
    lines, line = [], head
    for i, item in enumerate(items):
        piece = scalar(item) + ("]" if i == len(items) - 1 else ",")
        if line != head and len(line) + 1 + len(piece) > WIDTH:
            lines.append(line)
            line = " " * len(head) + piece
        else:
            line += ("" if line == head else " ") + piece
    if not items:
        line += "]"
    lines.append(line)
    return lines


def block_end(lines: list[str], start: int) -> int:
    """The index after the block that starts at `start` (lines indented deeper, or blank)."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    i = start + 1
    while i < len(lines):
        stripped = lines[i].strip()
        deeper = len(lines[i]) - len(lines[i].lstrip()) > indent
        if stripped and not stripped.startswith("#") and not deeper:
            break
        i += 1
    while i > start + 1 and not lines[i - 1].strip():
        i -= 1
    return i


def find_key(lines: list[str], key: str, start: int, end: int, indent: int) -> int:
    """The line of `key:` at exactly `indent` spaces between start and end."""
    pattern = re.compile(rf"^ {{{indent}}}(?:{re.escape(key)}|\"{re.escape(key)}\"):(\s|$)")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i
    raise KeyError(f"{key!r} not found at indent {indent} in lines {start}-{end}")


def extend_flow(lines: list[str], at: int, extra: list[str]) -> None:
    """Add `extra` items to the flow list that starts on line `at` (it may wrap)."""
    end = at
    while "]" not in lines[end]:
        end += 1
    indent = len(lines[at]) - len(lines[at].lstrip())
    key = lines[at].strip().split(":", 1)[0]
    text = " ".join(line.strip() for line in lines[at : end + 1])
    current = yaml.safe_load(text)[key]
    lines[at : end + 1] = flow_list(key, [*current, *extra], indent)


def fold_answers(code: str, lines: list[str], extra: dict[str, Any]) -> None:
    """Insert `code:` phrase lists into data/answers.yml's intents, negations and slots."""
    top_end = len(lines)
    intents = find_key(lines, "intents", 0, top_end, 0)
    for intent, phrases in extra.get("intents", {}).items():
        at = find_key(lines, intent, intents, block_end(lines, intents), 2)
        lines[block_end(lines, at) : block_end(lines, at)] = flow_list(code, phrases, 4)
    if "negations" in extra:
        at = find_key(lines, "negations", 0, len(lines), 0)
        lines[block_end(lines, at) : block_end(lines, at)] = flow_list(code, extra["negations"], 2)
    slots = find_key(lines, "slots", 0, len(lines), 0)
    for slot, values in extra.get("slots", {}).items():
        slot_at = find_key(lines, slot, slots, block_end(lines, slots), 2)
        for value, entry in values.items():
            value_at = find_key(lines, str(value), slot_at, block_end(lines, slot_at), 4)
            phrases, without = (
                (entry.get("phrases", []), entry.get("without", []))
                if isinstance(entry, dict)
                else (entry, [])
            )
            end = block_end(lines, value_at)
            try:
                without_at = find_key(lines, "without", value_at, end, 6)
            except KeyError:
                without_at = None
            if without_at is not None:
                lines[without_at:without_at] = flow_list(code, phrases, 6)
                extend_flow(lines, without_at + len(flow_list(code, phrases, 6)), without)
            else:
                lines[end:end] = flow_list(code, phrases, 6) + (
                    flow_list("without", without, 6) if without else []
                )


def expected_answers(old: dict[str, Any], code: str, extra: dict[str, Any]) -> dict[str, Any]:
    """What data/answers.yml must read as after folding."""
    new = copy.deepcopy(old)
    for intent, phrases in extra.get("intents", {}).items():
        new["intents"][intent][code] = phrases
    if "negations" in extra:
        new["negations"][code] = extra["negations"]
    for slot, values in extra.get("slots", {}).items():
        for value, entry in values.items():
            target = new["slots"][slot][_key(new["slots"][slot], value)]
            if isinstance(entry, dict):
                target[code] = entry.get("phrases", [])
                if entry.get("without"):
                    target["without"] = [*target.get("without", []), *entry["without"]]
            else:
                target[code] = entry
    return new


def _key(mapping: dict[Any, Any], value: Any) -> Any:
    """The key of `mapping` equal to `value` as text (YAML reads yes/no unquoted as booleans)."""
    for key in mapping:
        if str(key) == str(value):
            return key
    raise KeyError(value)


def fold_territories(code: str, lines: list[str], extra: dict[str, Any]) -> None:
    """Insert `code:` texts into each territory's language-keyed fields."""
    for territory, fields in extra["territories"].items():
        start = next(
            i for i, line in enumerate(lines) if re.match(rf"^  - code: {territory}\s*$", line)
        )
        end = block_end(lines, start)
        for field, text in fields.items():
            at = find_key(lines, field, start, end, 4)
            field_end = block_end(lines, at)
            lines[field_end:field_end] = [" " * 6 + f"{code}: " + scalar(text)]
            end += 1


def expected_territories(old: dict[str, Any], code: str, extra: dict[str, Any]) -> dict[str, Any]:
    """What data/territories.yml must read as after folding."""
    new = copy.deepcopy(old)
    for territory in new["territories"]:
        for field, text in extra["territories"].get(territory["code"], {}).items():
            territory[field][code] = text
    return new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("code", help="the language code, e.g. ar")
    parser.add_argument("--dry-run", action="store_true", help="check, write nothing")
    parser.add_argument(
        "--only", choices=["answers", "number_words", "territories"], action="append"
    )
    args = parser.parse_args()
    code, source = args.code, LOCALES / args.code
    parts = args.only or ["answers", "number_words", "territories"]
    for part in parts:
        overlay = source / f"{part}.yml"
        if not overlay.exists():
            continue
        target = DATA / f"{part}.yml"
        old_text = target.read_text(encoding="utf-8")
        old = yaml.safe_load(old_text)
        extra = yaml.safe_load(overlay.read_text(encoding="utf-8"))
        if part == "number_words":
            # Either {code: {word: n}} like the shared file, or the bare {word: n}.
            if not (isinstance(extra, dict) and set(extra) == {code}):
                extra = {code: extra}
            if code in old:
                sys.exit(f"{target.name} already has {code}")
            body = yaml.safe_dump(
                {code: extra[code]}, allow_unicode=True, sort_keys=False, width=WIDTH
            )
            new_text = old_text.rstrip("\n") + "\n" + body
            expected = {**old, code: extra[code]}
        else:
            lines = old_text.split("\n")
            if part == "answers":
                fold_answers(code, lines, extra)
                expected = expected_answers(old, code, extra)
            else:
                fold_territories(code, lines, extra)
                expected = expected_territories(old, code, extra)
            new_text = "\n".join(lines)
        if yaml.safe_load(new_text) != expected:
            sys.exit(f"{target.name}: folding {code} would not read back as intended")
        print(f"{target.relative_to(ROOT)}: {code} folded in" + (" (dry run)" * args.dry_run))
        if not args.dry_run:
            target.write_text(new_text, encoding="utf-8")
            overlay.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
