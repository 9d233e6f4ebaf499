"""Names both assistant processes and the scripts share, each with one home.

- The training data's files: data/training_files.txt (one path a line, for shell too).
- The intents that interrupt a form, and what answers them: data/form_interruptions.yml.
- The erase action's name, which the tracker store watches for (bot/tracker_store.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from common.paths import PROJECT_ROOT

TRAINING_FILES: Final = PROJECT_ROOT / "data" / "training_files.txt"
FORM_INTERRUPTIONS: Final = PROJECT_ROOT / "data" / "form_interruptions.yml"
# The action that erases a person's data (actions/erasure.py); followed by `Restarted`,
# the tracker store deletes the conversation (bot/tracker_store.py).
ERASE_ACTION: Final = "action_erase_data"


def training_data(listing: Path = TRAINING_FILES) -> list[str]:
    """The Rasa training data's paths, relative to the repository."""
    lines = listing.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class FormInterruptions:
    """What a person may ask during a form (data/form_interruptions.yml)."""

    resumable_forms: tuple[str, ...]
    # Intent -> the steps answering it, then the form goes on.
    answers: dict[str, list[str]]
    # Intent -> the steps after leaving the form.
    leaves: dict[str, list[str]]
    # Intent -> {"before": steps, "actions": steps, "form": form}, after leaving the form.
    switches: dict[str, dict[str, Any]]

    @property
    def intents(self) -> frozenset[str]:
        """Every intent that may interrupt a form."""
        return frozenset({*self.answers, *self.leaves, *self.switches})


@cache
def form_interruptions(path: Path = FORM_INTERRUPTIONS) -> FormInterruptions:
    """data/form_interruptions.yml, read once; ValueError when an intent is there twice."""
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    table = FormInterruptions(
        resumable_forms=tuple(data["resumable_forms"]),
        answers={str(k): list(v) for k, v in data["answers"].items()},
        leaves={str(k): list(v or []) for k, v in data["leaves"].items()},
        switches={str(k): dict(v) for k, v in data["switches"].items()},
    )
    count = len(table.answers) + len(table.leaves) + len(table.switches)
    if len(table.intents) != count:
        raise ValueError(f"{path.name}: an intent is in more than one section")
    return table


def interruption_intents() -> frozenset[str]:
    """Intents that, during a form, are not an answer when nothing in the message is one."""
    return form_interruptions().intents
