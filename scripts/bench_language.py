"""What language identification costs: time per message and memory added to the process.

    .venv/assistant/bin/python scripts/bench_language.py [--mode default|low|high] [--with-rasa]
        [--rounds 20] [--file tests/bot/language_dev.yml]

In a fresh process: resident memory (VmRSS) before and after importing bot.language, after
loading the word lists and lingua's models (`preload()`), and after identifying every
message of the file; the time of `preload()`; then `identify()` per message over `--rounds`
passes of the file (p50, p95, max) and the accuracy of that mode on the file.
`--with-rasa` imports rasa first, as the Rasa server has, so the figure is what the server
gains. `--mode low` puts every lingua model in low-accuracy mode (trigrams), `--mode high`
none; the default is bot/language_model.py's LOW_ACCURACY_SCRIPTS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["default", "low", "high"], default="default")
    parser.add_argument("--with-rasa", action="store_true")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--file", type=Path, default=ROOT / "tests" / "bot" / "language_dev.yml")
    arguments = parser.parse_args()

    import yaml

    memory = {"start": rss_mb()}
    if arguments.with_rasa:
        import rasa.core.agent  # noqa: F401 - what the Rasa server has loaded anyway

        memory["rasa imported"] = rss_mb()
    from bot import language, language_model

    memory["bot.language imported"] = rss_mb()
    if arguments.mode != "default":
        groups = language_model.LINGUA_GROUPS
        low = frozenset() if arguments.mode == "high" else frozenset(groups)
        language_model.LOW_ACCURACY_SCRIPTS = low  # type: ignore[misc]
    started = time.perf_counter()
    language.preload()
    preload_s = time.perf_counter() - started
    memory["preloaded"] = rss_mb()

    data = yaml.safe_load(arguments.file.read_text(encoding="utf-8"))
    texts = [str(item["text"]) for items in data["languages"].values() for item in items]
    texts += [str(text) for text in data.get("no_switch", [])]
    times: list[float] = []
    for _ in range(arguments.rounds):
        for text in texts:
            started = time.perf_counter()
            language.identify(text)
            times.append((time.perf_counter() - started) * 1000)
    memory["after identify"] = rss_mb()
    times.sort()

    from scripts.language_report import report

    text, passed = report(arguments.file)
    scripts = ", ".join(sorted(language_model.LOW_ACCURACY_SCRIPTS)) or "none"
    print(f"lingua low-accuracy for: {scripts}; {len(texts)} messages x {arguments.rounds} rounds")
    print(f"preload(): {preload_s:.2f} s")
    base = memory["start"]
    for stage, value in memory.items():
        print(f"RSS {stage:<24} {value:7.1f} MB  (+{value - base:6.1f})")
    added = memory["after identify"] - memory["bot.language imported"]
    print(f"memory added by the models: {added:.1f} MB")
    print(
        f"identify(): p50 {statistics.median(times):.3f} ms, "
        f"p95 {times[int(0.95 * len(times))]:.3f} ms, max {times[-1]:.3f} ms"
    )
    accuracy = [line for line in text.splitlines() if line.startswith(("all", "no_switch"))]
    print("\n".join(accuracy))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
