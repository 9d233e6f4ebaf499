"""The Rasa server's start-up step: the pinned Rasa, every patch, then Rasa's command line.

    .venv/assistant/bin/python -m bot.serve run --enable-api --model models/emile.tar.gz ...
    .venv/assistant/bin/python -m bot.serve train --data ... --out models ...

Both refuse, with a message and exit status 2, a Rasa other than the one pinned in
requirements/assistant.txt (the patches and the trained model are made for it). `run` then
applies every patch of bot/rasa_patches.py and hands the rest of its arguments to Rasa's
own `rasa run`; `train` needs no patch and hands over at once. Nothing else changes Rasa:
importing bot/ (the tracker store, the channels, the NLG) leaves it as installed.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Final

from common.paths import PROJECT_ROOT

logger = logging.getLogger(__name__)

REQUIREMENTS: Final = PROJECT_ROOT / "requirements" / "assistant.txt"
COMMANDS: Final = ("run", "train")
_PIN: Final = re.compile(r"^rasa==(?P<version>\S+)\s*$", re.M)


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the pinned one."""


def pinned_rasa(requirements: Path = REQUIREMENTS) -> str:
    """The Rasa version requirements/assistant.txt pins."""
    match = _PIN.search(requirements.read_text(encoding="utf-8"))
    if match is None:
        raise RasaVersionError(f"{requirements} pins no rasa version (rasa==…)")
    return match.group("version")


def installed_rasa() -> str:
    """The version of the Rasa this environment imports."""
    import rasa

    return str(rasa.__version__)


def check_rasa_version(installed: str | None = None, pinned: str | None = None) -> str:
    """The installed version when it is the pinned one; RasaVersionError otherwise."""
    installed = installed_rasa() if installed is None else installed
    pinned = pinned_rasa() if pinned is None else pinned
    if installed != pinned:
        raise RasaVersionError(
            f"rasa {installed} is installed, but this assistant is made for rasa {pinned} "
            f"(pinned in requirements/assistant.txt): its patches (bot/rasa_patches.py) "
            f"replace functions of that version. Run `make setup` to install it; to move to "
            f"another version, review every patch against it and record it "
            f"(tests/bot/test_rasa_patches.py says which functions changed)."
        )
    return installed


def start_up() -> list[str]:
    """Check the Rasa version and apply every patch; the names of the patches applied."""
    from bot import rasa_patches

    check_rasa_version()
    return rasa_patches.apply()


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.serve run|train [rasa's options]`."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if args[0] == "run":
            applied = start_up()
            logger.info("Rasa %s patched: %s", installed_rasa(), ", ".join(applied))
        else:
            check_rasa_version()
    except RasaVersionError as error:
        print(f"bot.serve: {error}", file=sys.stderr)
        return 2
    # numpy.distutils sets the root logger to WARNING when first imported, and scikit-learn
    # imports it while the model (logistic regression, CRF) loads: after that the server
    # logged nothing at INFO (no retention counts). Imported now, before Rasa configures
    # logging, it changes nothing later.
    import numpy.distutils.log  # noqa: F401
    from rasa.__main__ import main as rasa_main

    # Rasa's command line reads sys.argv; the program name is what its messages show.
    sys.argv = ["rasa", *args]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
