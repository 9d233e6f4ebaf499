"""Entity synonyms of every language's NLU file: one value per written form.

Rasa merges the synonyms of all files into one text -> value map and keeps the last one
silently, so a form written in two languages' files with two values (a Dari word that is a
Pashto town's spelling) would read one language wrong.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from common.paths import PROJECT_ROOT

NLU_FILES = sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))


def synonym_values(files: list[Path]) -> dict[str, dict[str, set[str]]]:
    """Written form (lower case, as Rasa's mapper looks it up) -> value -> files naming it."""
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in files:
        for form, value in load_data(str(path)).entity_synonyms.items():
            values[form.lower()][str(value)].add(path.name)
    return values


def test_no_written_form_is_the_synonym_of_two_values() -> None:
    values = synonym_values(NLU_FILES)
    assert len(values) > 1000  # every language's synonyms were read
    conflicts = {form: dict(by) for form, by in values.items() if len(by) > 1}
    assert conflicts == {}


def test_a_form_given_two_values_in_two_files_is_found(tmp_path: Path) -> None:
    dari = tmp_path / "prs.yml"
    pashto = tmp_path / "ps.yml"
    dari.write_text(
        'version: "3.1"\nnlu:\n  - synonym: fluent\n    examples: |\n      - روان\n',
        encoding="utf-8",
    )
    pashto.write_text(
        'version: "3.1"\nnlu:\n  - synonym: seine_maritime\n    examples: |\n      - روان\n',
        encoding="utf-8",
    )
    values = synonym_values([dari, pashto])
    assert {value: sorted(files) for value, files in values["روان"].items()} == {
        "fluent": ["prs.yml"],
        "seine_maritime": ["ps.yml"],
    }
