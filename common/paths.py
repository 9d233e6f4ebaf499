"""Where the repository is: the root of data/, locales/ and the default data directory."""

from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
