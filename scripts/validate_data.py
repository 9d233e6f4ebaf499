#!/usr/bin/env python3
"""`rasa data validate` for this project, failing on any warning it does not explain.

Rasa's validator warns about every response that no story or rule names. Here most
responses are said by custom actions (`dispatcher.utter_message(response=...)`), by the
forms (`utter_ask_<slot>`) or by the NLG (`utter_sector_<code>` labels), so this script
runs the same checks as `rasa data validate` and accepts exactly those warnings for
responses it finds used there; any other warning, or a response used nowhere, fails.

It also passes the training files explicitly: data/ holds other YAML files
(eligibility_rules.yml has a `rules:` key Rasa would read as dialogue rules).

    .venv/assistant/bin/python scripts/validate_data.py
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.conversation import training_data  # noqa: E402

# Said by Rasa 3.6 itself on every domain with slots, whatever the slots are.
RASA_NOISE = ("Slot auto-fill has been removed in 3.0",)
_UNUSED = re.compile(r"The utterance '(?P<name>utter_[A-Za-z0-9_]+)' is not used in any")
_LITERAL = re.compile(r"""["'](utter_[a-z0-9_]+)["']""")
_FAMILY = re.compile(r"""f["'](utter_[a-z0-9_]*?)_?\{""")
# Responses named by the NLG rather than by code: labels of codes in placeholders.
NLG_FAMILIES = ("utter_sector_",)


def used_by_code() -> tuple[set[str], set[str]]:
    """Responses named in actions/*.py and by the channels (bot/channels/*.py, e.g. the
    reply to a photo): literal names, and prefixes of built names."""
    literals: set[str] = set()
    prefixes: set[str] = set(NLG_FAMILIES)
    sources = [*(ROOT / "actions").glob("*.py"), *(ROOT / "bot" / "channels").glob("*.py")]
    for path in sorted(sources):
        text = path.read_text(encoding="utf-8")
        literals.update(_LITERAL.findall(text))
        prefixes.update(prefix + "_" for prefix in _FAMILY.findall(text))
    return literals, prefixes


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / p) for p in training_data()],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator = Validator.from_importer(importer)
        domain = validator.domain
        results = {
            "domain": validator.verify_domain_validity(),
            "form slots": validator.verify_form_slots(),
            "slot mappings": validator.verify_slot_mappings(),
            "forms in rules": validator.verify_forms_in_stories_rules(),
            "actions in rules": validator.verify_actions_in_stories_rules(),
            "NLU and responses": validator.verify_nlu(ignore_warnings=True),
            "story structure": validator.verify_story_structure(ignore_warnings=False),
        }
    literals, prefixes = used_by_code()
    asked = {
        f"utter_ask_{slot}"
        for form in domain.form_names
        for slot in domain.required_slots_for_form(form)
    }
    problems: list[str] = [f"check failed: {name}" for name, ok in results.items() if not ok]
    explained = 0
    for warning in caught:
        if not issubclass(warning.category, UserWarning):
            continue  # Deprecation noise of Rasa's dependencies.
        message = str(warning.message)
        if message.startswith(RASA_NOISE):
            continue
        unused = _UNUSED.search(message)
        if unused:
            name = unused.group("name")
            if name in literals or name in asked or name.startswith(tuple(prefixes)):
                explained += 1
                continue
            problems.append(f"response {name} is used by no rule, story, form or action")
            continue
        problems.append(message.strip())
    # Responses named in code must exist (a typo would fail only at run time).
    missing = sorted(name for name in literals if name not in domain.responses)
    problems += [f"the code names {name}, which domain.yml does not define" for name in missing]
    for problem in problems:
        print(f"FAIL {problem}")
    print(
        f"rasa data validate: {len(problems)} problem(s); {explained} responses used by "
        "actions, forms or the NLG rather than by rules"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
