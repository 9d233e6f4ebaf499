"""domain.yml keeps docs/conversation-contract.md: names, questions, buttons, responses."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from actions.vocabulary import (
    ANSWER_CHOICES,
    APPLICATION_STATUS,
    AUDIENCE,
    INTENTS,
    LANGUAGE,
    SECTOR,
)
from common.conversation import interruption_intents
from tests.actions.flows import DOMAIN, action_names

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_INTENTS = set(INTENTS)
CONTRACT_ENTITIES = set(
    [
        "language",
        "territory",
        "residence_area",
        "housing_situation",
        "right_to_work",
        "work_situation",
        "ready_to_move",
        "driving_licence",
        "french_level",
        "sector",
        "number",
    ]
)
PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?$")


def test_intents_and_entities_are_the_contract():
    assert set(DOMAIN["intents"]) == CONTRACT_INTENTS
    assert set(DOMAIN["entities"]) >= CONTRACT_ENTITIES
    assert interruption_intents() <= CONTRACT_INTENTS


def test_every_question_of_every_form_is_asked():
    actions = action_names()
    for form, spec in DOMAIN["forms"].items():
        for slot in spec["required_slots"]:
            assert f"utter_ask_{slot}" in DOMAIN["responses"] or f"action_ask_{slot}" in actions, (
                form,
                slot,
            )
        assert f"validate_{form}" in actions, form


def test_every_status_has_its_response():
    for status in APPLICATION_STATUS:
        assert f"utter_status_{status}" in DOMAIN["responses"], status


def test_every_sector_has_a_name():
    for sector in SECTOR:
        assert f"utter_sector_{sector}" in DOMAIN["responses"], sector


def _buttons():
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            for button in variation.get("buttons") or []:
                yield name, button


@pytest.mark.parametrize(("name", "button"), list(_buttons()), ids=lambda v: str(v)[:40])
def test_every_button_payload_is_an_intent_with_known_entities(name, button):
    # Payloads double their braces ({{ }}) for the NLG's placeholder syntax.
    payload = button["payload"].replace("{{", "{").replace("}}", "}")
    match = PAYLOAD.match(payload)
    assert match, payload
    assert match["intent"] in DOMAIN["intents"], payload
    if match["entities"]:
        text = re.sub(r"\{[a-z_]+\}", "1", match["entities"][1:-1])  # {workshop_id} etc.
        entities = json.loads("{" + text + "}")
        for entity, value in entities.items():
            assert entity in DOMAIN["entities"], payload
            allowed = {
                **ANSWER_CHOICES,
                "language": LANGUAGE,
                "sector": SECTOR,
                "audience": AUDIENCE,
            }.get(entity)
            if allowed is not None:
                assert value in allowed, payload


def test_choice_questions_offer_every_value():
    for slot, values in ANSWER_CHOICES.items():
        [variation] = DOMAIN["responses"][f"utter_ask_{slot}"]
        offered = {
            json.loads(b["payload"].replace("{{", "{").replace("}}", "}")[len("/inform") :])[slot]
            for b in variation["buttons"]
            if b["payload"].startswith("/inform")
        }
        # "dont_know" is offered through the /dont_know intent.
        assert offered | {"dont_know"} >= set(values), slot


def test_the_form_rules_are_generated_from_the_domain():
    result = subprocess.run(
        [sys.executable, "scripts/gen_form_rules.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_actions_that_read_the_domain_receive_it():
    # endpoints.yml sends the domain only where asked (validators always get it).
    wanted = {"action_session_start", "action_explain_why", "action_explain_dont_know"}
    sent = {
        name
        for entry in DOMAIN["actions"]
        if isinstance(entry, dict)
        for name, config in entry.items()
        if config.get("send_domain")
    }
    assert sent == wanted
