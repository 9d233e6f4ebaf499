"""The shared names have one home each, and that home agrees with the data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from common.conversation import (
    ERASE_ACTION,
    form_interruptions,
    interruption_intents,
    training_data,
)
from common.paths import PROJECT_ROOT


def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_training_file_exists_and_none_is_another_kind_of_data():
    paths = training_data()
    assert "data/rules_forms.yml" in paths and "data/nlu" in paths
    for path in paths:
        assert (PROJECT_ROOT / path).exists(), path
    assert "data/eligibility_rules.yml" not in paths  # its `rules:` key is not dialogue


def test_comments_and_blank_lines_are_not_paths(tmp_path):
    listing = tmp_path / "files.txt"
    listing.write_text("# the data\n\ndata/nlu\n  data/rules.yml  \n", encoding="utf-8")
    assert training_data(listing) == ["data/nlu", "data/rules.yml"]


def test_the_interruptions_are_intents_of_the_domain_and_answered_by_its_actions():
    known = domain()
    actions = {next(iter(a)) if isinstance(a, dict) else a for a in known["actions"]}
    names = {*actions, *known["responses"], *known["forms"]}
    table = form_interruptions()
    assert interruption_intents() <= set(known["intents"])
    assert {"menu", "stop_form", "goodbye", "ask_why"} <= interruption_intents()
    steps = [s for v in table.answers.values() for s in v]
    steps += [s for v in table.leaves.values() for s in v]
    for target in table.switches.values():
        steps += [*target.get("before", []), *target.get("actions", [])]
        steps += [target["form"]] if "form" in target else []
    assert set(steps) <= names
    assert set(table.resumable_forms) <= set(known["forms"])


def test_an_intent_in_two_sections_is_refused(tmp_path: Path):
    path = tmp_path / "interruptions.yml"
    path.write_text(
        "resumable_forms: []\nanswers: {menu: [a]}\nleaves: {}\nswitches: {menu: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="more than one section"):
        form_interruptions(path)


def test_the_erase_action_is_the_domain_s_and_the_action_server_s():
    from actions.erasure import ActionEraseData

    assert ERASE_ACTION in domain()["actions"]
    assert ActionEraseData().name() == ERASE_ACTION
