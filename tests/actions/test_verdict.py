"""The verdict in plain words: eligible, to review with what will be checked, not eligible
with the reasons and where else to turn."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility import default_rules
from actions.verdict import ActionVerdict
from tests.actions.flows import DOMAIN, make_tracker, responses, slots_set

ANSWERS = {
    "residence_area": "ile_de_france",
    "housing_situation": "emergency_shelter",
    "right_to_work": "yes",
    "work_situation": "unemployed",
    "ready_to_move": "yes",
    "adults": 1,
    "children": 2,
    "sectors": ["building"],
    "experience_years": 3,
    "driving_licence": "no",
    "french_level": "intermediate",
    "territory_preferences": ["cantal"],
}


async def verdict(**changes):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({**ANSWERS, **changes})
    events = await ActionVerdict().run(dispatcher, tracker, DOMAIN)
    return responses(dispatcher), slots_set(events)


@pytest.mark.asyncio
async def test_eligible():
    said, slots = await verdict()
    assert said == ["utter_verdict_eligible"]
    assert slots == {
        "verdict": "eligible",
        "verdict_reasons": [],
        "rules_version": default_rules().version,
    }


@pytest.mark.asyncio
async def test_to_review_says_what_the_team_will_check():
    said, slots = await verdict(right_to_work="pending_renewal", work_situation="dont_know")
    assert said == [
        "utter_verdict_to_review",
        "utter_reason_right_to_work_pending",
        "utter_reason_work_unknown",
    ]
    assert slots["verdict"] == "to_review"
    assert slots["verdict_reasons"] == ["right_to_work_pending", "work_unknown"]


@pytest.mark.asyncio
async def test_not_eligible_gives_the_reasons_and_where_else_to_turn():
    said, slots = await verdict(housing_situation="stable_housing", ready_to_move="no")
    assert said[0] == "utter_verdict_not_eligible"
    assert "utter_reason_housing_stable" in said
    assert "utter_reason_not_ready_to_move" in said
    where = said.index("utter_where_else")
    assert set(said[where + 1 : -1]) == {
        "utter_referral_france_travail",
        "utter_referral_siao_115",
        "utter_referral_action_logement",
    }
    assert said[-1] == "utter_verdict_not_final"
    assert slots["verdict"] == "not_eligible"


@pytest.mark.asyncio
async def test_stopped_early_the_unasked_questions_are_not_reasons():
    # The form stops after a decisive answer: later answers are missing, not refused.
    answers = {k: None for k in ANSWERS} | {
        "residence_area": "elsewhere",
    }
    dispatcher = CollectingDispatcher()
    events = await ActionVerdict().run(dispatcher, make_tracker(answers), DOMAIN)
    said = responses(dispatcher)
    assert "utter_reason_residence_outside_area" in said
    assert not any(r.startswith("utter_reason_") and "unknown" in r for r in said)
    assert slots_set(events)["verdict"] == "not_eligible"


def test_every_reason_and_referral_has_its_response():
    rules = default_rules()
    for reason in rules.reason_codes:
        assert f"utter_reason_{reason}" in DOMAIN["responses"], reason
    for code in rules.referral_codes:
        assert f"utter_referral_{code}" in DOMAIN["responses"], code


@pytest.mark.asyncio
async def test_an_unknown_household_goes_to_review():
    said, slots = await verdict(adults="dont_know")
    assert said == ["utter_verdict_to_review", "utter_reason_household_unknown"]
    assert slots["verdict"] == "to_review"
