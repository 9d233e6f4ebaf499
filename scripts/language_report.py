"""Accuracy of language identification per language and length band, on a labelled file.

    .venv/assistant/bin/python scripts/language_report.py [tests/language/labelled.yml]
        [--sweep] [--output var/reports/language.txt]

The file: `languages: {code: [{text, band: short|sentence, script?: latin}]}` and
`no_switch: [texts]`. Prints a table (accuracy of `identify` per language for 1–5-word
messages and sentences; Arabic in Latin letters also on a row of its own), then the policy
check: every `no_switch` message must be a KEEP whatever the conversation's language, and
how many sentences are clear enough to move the language. Exit status 0 when the target is
met (≥ 97 % on 1–5-word messages in every language, every no_switch kept), 1 otherwise.
`--sweep` adds, for candidate (minimum words, minimum confidence) pairs, how many messages
would be clear and wrong, and how many no_switch messages would move: how
bot/language.py's MIN_WORDS and MIN_CONFIDENCE were chosen (on the dev set only).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language as langid  # noqa: E402
from bot.i18n import load_languages  # noqa: E402

DEFAULT_FILE = ROOT / "tests" / "language" / "labelled.yml"
TARGET_SHORT = 0.97
BANDS = ("short", "sentence")
BAND_TITLES = {"short": "1–5 words", "sentence": "sentence"}
BAND_ALIASES = {"short": "short", "1-5": "short", "1–5": "short", "sentence": "sentence"}


@dataclass
class Tally:
    """Right and total per band, and the misses to show."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    misses: list[str] = field(default_factory=list)

    def accuracy(self, band: str) -> float | None:
        return self.right[band] / self.total[band] if self.total[band] else None


def _cell(tally: Tally, band: str) -> str:
    accuracy = tally.accuracy(band)
    if accuracy is None:
        return f"{'-':>17}"
    return f"{accuracy * 100:6.1f} % ({tally.right[band]:>3}/{tally.total[band]:<3})"


def report(path: Path, *, sweep: bool = False) -> tuple[str, bool]:
    """The report's text and whether the target is met."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    langid.preload()
    tallies: dict[str, Tally] = {}
    identifications: list[tuple[str, str, langid.Identification]] = []
    known = {language.code for language in load_languages()}
    for group, items in data.get("languages", {}).items():
        # "ar" or, should a file group them apart, "ar-Latn" / "ar_latin": label ar, Latin.
        code, _, variant = str(group).replace("_", "-").partition("-")
        if code not in known:
            raise SystemExit(f"{path}: {group}: not a language of locales/languages.yml")
        for entry in items:
            item = entry if isinstance(entry, dict) else {"text": entry}
            band = BAND_ALIASES.get(str(item.get("band", "short")).lower())
            if band is None:
                raise SystemExit(f"{path}: {group}: band must be short or sentence: {item}")
            latin = item.get("script") == "latin" or variant.lower() in {"latn", "latin"}
            rows = [code] + ([f"{code} (Latin)"] if latin else [])
            found = langid.identify(str(item["text"]))
            identifications.append((code, band, found))
            for row in rows:
                tally = tallies.setdefault(row, Tally())
                tally.total[band] += 1
                if found.language == code:
                    tally.right[band] += 1
                elif row == code:
                    tally.misses.append(f"  {code}/{band}: {item['text']!r} -> {found}")
    lines = [f"Language identification on {path} (target ≥ {TARGET_SHORT:.0%} on 1–5 words)", ""]
    lines.append(f"{'language':<14}" + "".join(f"{BAND_TITLES[band]:>20}" for band in BANDS))
    passed = True
    for row, tally in tallies.items():
        lines.append(f"{row:<14}" + "".join(f"{_cell(tally, band):>20}" for band in BANDS))
        accuracy = tally.accuracy("short")
        if "(" not in row and (accuracy is None or accuracy < TARGET_SHORT):
            passed = False
    if tallies:
        total = Tally()
        for row, tally in tallies.items():
            if "(" not in row:
                for band in BANDS:
                    total.right[band] += tally.right[band]
                    total.total[band] += tally.total[band]
        lines.append(f"{'all':<14}" + "".join(f"{_cell(total, band):>20}" for band in BANDS))
    misses = [miss for tally in tallies.values() for miss in tally.misses]
    if misses:
        lines += ["", "Misses:", *misses]

    codes = [language.code for language in load_languages()]
    no_switch = [
        str(entry["text"] if isinstance(entry, dict) else entry)
        for entry in data.get("no_switch", [])
    ]
    moved = [
        (text, current, verdict)
        for text in no_switch
        for current in codes
        if (verdict := langid.decide(current, str(text), available=codes)).action
        is not langid.Action.KEEP
    ]
    kept = len(no_switch) - len({text for text, _, _ in moved})
    lines += ["", f"no_switch: {kept}/{len(no_switch)} kept in every language"]
    for text in dict.fromkeys(text for text, _, _ in moved):
        where = [current for moved_text, current, _ in moved if moved_text == text]
        verdict = next(verdict for moved_text, _, verdict in moved if moved_text == text)
        lines.append(
            f"  moved: {text!r} in {', '.join(where)}: {verdict.action.value} "
            f"{verdict.language} ({verdict.identification})"
        )
    passed = passed and not moved

    sentences = [found for _, band, found in identifications if band == "sentence"]
    clear_right = sum(
        langid.is_clear(found) and found.language == code
        for code, band, found in identifications
        if band == "sentence"
    )
    clear_wrong = sum(
        langid.is_clear(found) and found.language != code for code, _, found in identifications
    )
    lines.append(
        f"policy (MIN_WORDS={langid.MIN_WORDS}, MIN_CONFIDENCE={langid.MIN_CONFIDENCE}): "
        f"{clear_right}/{len(sentences)} sentences clear and right; "
        f"{clear_wrong} messages clear and wrong"
    )
    if sweep:
        lines += ["", *_sweep(identifications, no_switch)]
    lines += ["", "PASS" if passed else "FAIL"]
    return "\n".join(lines), passed


def _sweep(
    identifications: list[tuple[str, str, langid.Identification]], no_switch: list[str]
) -> list[str]:
    """Per candidate setting: messages clear and right (sentences, 1–5 words), clear and
    wrong, and no_switch messages that would be clear."""
    quiet = [langid.identify(str(text)) for text in no_switch]
    lines = [
        "min words  min conf  sentences clear+right  short clear+right  clear+wrong  "
        "no_switch clear"
    ]
    for words in (1, 2, 3, 4, 5):
        for confidence in (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99):

            def clear(found: langid.Identification, w: int = words, c: float = confidence) -> bool:
                return (
                    found.language is not None
                    and found.reason in langid.EVIDENCE_REASONS
                    and found.words >= w
                    and found.confidence >= c
                )

            right = {
                band: sum(
                    clear(found) and found.language == code
                    for code, found_band, found in identifications
                    if found_band == band
                )
                for band in BANDS
            }
            wrong = sum(
                clear(found) and found.language != code for code, _, found in identifications
            )
            loud = sum(clear(found) for found in quiet)
            lines.append(
                f"{words:>9}  {confidence:>8}  {right['sentence']:>21}  {right['short']:>17}  "
                f"{wrong:>11}  {loud:>15}"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--sweep", action="store_true", help="show candidate thresholds")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    arguments = parser.parse_args()
    if not arguments.path.exists():
        print(f"{arguments.path}: no such file", file=sys.stderr)
        return 2
    started = time.perf_counter()
    text, passed = report(arguments.path, sweep=arguments.sweep)
    text += f"\n({time.perf_counter() - started:.1f} s)"
    print(text)
    if arguments.output:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
