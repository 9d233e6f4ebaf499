"""The eligibility questions: answers accepted, impossible ones asked again, interruptions
let through, the questions cut short after a decisive answer."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility_form import (
    ActionExplainDontKnow,
    ActionExplainWhy,
    ActionStartEligibility,
    ValidateEligibilityForm,
    answers_from_slots,
    parse_number,
)
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    followups,
    form_tracker,
    make_tracker,
    responses,
    slots_set,
)

FORM = "eligibility_form"
ANSWERED = {
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


async def validate(tracker):
    dispatcher = CollectingDispatcher()
    events = await ValidateEligibilityForm().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, 2),
        (2.0, 2),
        ("3", 3),
        ("٣", 3),
        ("۴", 4),
        ("deux", 2),
        ("two", 2),
        ("j'ai 2 enfants", 2),
        ("aucun", 0),
        ("none", 0),
        (["4"], 4),
        ("banana", None),
        (2.5, None),
        (None, None),
        (True, None),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value, "fr") == expected


def test_answers_from_slots_uses_the_api_names():
    answers = answers_from_slots({**ANSWERED, "adults": "1", "children": 2.0})
    assert answers["trades"] == ["building"]
    assert answers["adults"] == 1 and answers["children"] == 2
    assert "sectors" not in answers and "territory_preferences" not in answers


@pytest.mark.asyncio
async def test_a_button_answer_is_kept_and_the_next_question_comes():
    tracker = form_tracker(
        FORM,
        "housing_situation",
        text='/inform{"housing_situation":"emergency_shelter"}',
        candidates={"housing_situation": "emergency_shelter"},
        slots={"residence_area": "ile_de_france"},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["housing_situation"] == "emergency_shelter"
    # All questions still apply: Rasa's form picks the next one (right_to_work).
    assert "requested_slot" not in slots_set(events)
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_value_outside_the_vocabulary_is_asked_again_with_a_hint():
    tracker = form_tracker(
        FORM, "housing_situation", text="castle", candidates={"housing_situation": "castle"}
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["housing_situation"] is None
    assert responses(dispatcher) == ["utter_hint_choice"]


@pytest.mark.parametrize(
    ("slot", "value", "hint"),
    [
        ("adults", "0", "utter_hint_adults"),
        ("adults", "11", "utter_hint_adults"),
        ("children", "40", "utter_hint_children"),
        ("experience_years", "99", "utter_hint_experience_years"),
    ],
)
@pytest.mark.asyncio
async def test_impossible_numbers_are_asked_again(slot, value, hint):
    before = {k: v for k, v in ANSWERED.items() if k in list(ANSWERED)[:5]}
    tracker = form_tracker(FORM, slot, text=value, candidates={slot: value}, slots=before)
    dispatcher, events = await validate(tracker)
    assert slots_set(events)[slot] is None
    assert responses(dispatcher) == [hint]


@pytest.mark.asyncio
async def test_numbers_in_words_or_digits_without_an_entity_are_read():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:6]}
    tracker = form_tracker(FORM, "children", text="deux enfants", intent="inform", slots=before)
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["children"] == 2
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_banana_for_a_yes_no_question_gets_a_hint():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:4]}
    tracker = form_tracker(
        FORM, "ready_to_move", text="banana", intent="out_of_scope", confidence=0.7, slots=before
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["ready_to_move"] is None
    # Said in other words; the question comes again with numbered choices (bot/nlg.py).
    assert responses(dispatcher) == ["utter_rephrase_ready_to_move"]
    assert slots_set(events)["question_misses"] == {"slot": "ready_to_move", "count": 1}


@pytest.mark.parametrize(
    ("slot", "misses", "way_out"),
    [
        ("ready_to_move", 1, "utter_way_out_dont_know"),  # "I don't know" is "maybe" there
        ("driving_licence", 1, "utter_way_out_person"),
        ("driving_licence", 5, "utter_way_out_person"),
        ("children", 2, "utter_way_out_dont_know"),
    ],
)
@pytest.mark.asyncio
async def test_from_the_second_miss_on_a_way_out_is_offered(slot, misses, way_out):
    before = {k: ANSWERED[k] for k in list(ANSWERED)[: list(ANSWERED).index(slot)]}
    tracker = form_tracker(
        FORM,
        slot,
        text="blorp xqz",
        intent="out_of_scope",
        confidence=0.5,
        slots={**before, "question_misses": {"slot": slot, "count": misses}},
    )
    dispatcher, events = await validate(tracker)
    assert responses(dispatcher) == [way_out]
    assert slots_set(events)[slot] is None
    assert slots_set(events)["question_misses"] == {"slot": slot, "count": misses + 1}


@pytest.mark.asyncio
async def test_misses_of_another_question_start_again_from_one():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:4]}
    tracker = form_tracker(
        FORM,
        "ready_to_move",
        text="blorp",
        intent="out_of_scope",
        slots={**before, "question_misses": {"slot": "work_situation", "count": 2}},
    )
    dispatcher, events = await validate(tracker)
    assert responses(dispatcher) == ["utter_rephrase_ready_to_move"]
    assert slots_set(events)["question_misses"] == {"slot": "ready_to_move", "count": 1}


@pytest.mark.asyncio
async def test_an_answer_after_misses_clears_them_and_says_where_the_person_is():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:3]}
    tracker = form_tracker(
        FORM,
        "work_situation",
        text="rien pour l'instant",
        intent="out_of_scope",
        confidence=0.4,
        slots={**before, "question_misses": {"slot": "work_situation", "count": 2}},
    )
    dispatcher, events = await validate(tracker)
    assert responses(dispatcher) == []
    slots = slots_set(events)
    assert slots["work_situation"] == "unemployed"
    assert slots["question_misses"] is None
    assert (slots["question_number"], slots["question_count"]) == (5, 12)


@pytest.mark.parametrize(
    ("slot", "text", "intent", "expected"),
    [
        # Typed answers that NLU reads as questions or goodbyes: the question decides.
        ("work_situation", "je cherche du travail", "ask_jobs", "unemployed"),
        ("work_situation", "I'm looking for work", "ask_jobs", "unemployed"),
        ("adults", "just me", "ask_documents", 1),
        ("adults", "deux", "goodbye", 2),
        ("territory_preferences", "no preference", "check_status", []),
        ("housing_situation", "je suis hébergé par mon cousin", "ask_housing", None),
    ],
)
@pytest.mark.asyncio
async def test_an_answer_that_also_reads_as_a_question_is_an_answer(slot, text, intent, expected):
    before = {k: ANSWERED[k] for k in list(ANSWERED)[: list(ANSWERED).index(slot)]}
    tracker = form_tracker(FORM, slot, text=text, intent=intent, confidence=0.95, slots=before)
    dispatcher, events = await validate(tracker)
    if expected is None:
        expected = "hosted_by_family_or_friends"
    assert slots_set(events)[slot] == expected
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_question_that_names_an_answer_is_still_a_question():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:5]}
    tracker = form_tracker(
        FORM,
        "adults",
        text="je peux venir avec ma femme ?",
        intent="ask_family",
        confidence=0.9,
        slots=before,
    )
    dispatcher, events = await validate(tracker)
    assert {k for k in slots_set(events) if k != "requested_slot"} == set()
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_number_picks_the_choice_shown_with_that_number():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:3]}
    shown = {
        "event": "bot",
        "text": "(4/12) Quelle est votre situation de travail ?",
        "data": {
            "buttons": [
                {"title": "1. Sans emploi", "payload": '/inform{"work_situation":"unemployed"}'},
                {"title": "2. Intérim", "payload": '/inform{"work_situation":"temping"}'},
            ]
        },
    }
    tracker = form_tracker(FORM, "work_situation", text="2", intent="inform", slots=before)
    tracker.events.insert(2, shown)
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["work_situation"] == "temping"


@pytest.mark.parametrize("intent", ["ask_why", "dont_know", "ask_cost", "menu", "stop_form"])
@pytest.mark.asyncio
async def test_questions_in_the_middle_are_let_through(intent):
    tracker = form_tracker(FORM, "adults", text="why?", intent=intent, confidence=0.95)
    dispatcher, events = await validate(tracker)
    # No slot set: Rasa rejects the form and a rule answers the question.
    assert {k for k in slots_set(events) if k != "requested_slot"} == set()
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_resumed_form_gives_no_hint():
    tracker = form_tracker(
        FORM, "adults", text="why?", intent="ask_why", confidence=0.95, after_message=False
    )
    dispatcher, events = await validate(tracker)
    assert responses(dispatcher) == []
    assert "adults" not in slots_set(events)


@pytest.mark.asyncio
async def test_dont_know_where_it_is_an_answer():
    tracker = form_tracker(
        FORM,
        "right_to_work",
        text="je ne sais pas",
        intent="dont_know",
        candidates={"right_to_work": "dont_know"},
        slots={"residence_area": "ile_de_france", "housing_situation": "street"},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["right_to_work"] == "dont_know"
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_decisive_no_ends_the_questions():
    tracker = form_tracker(
        FORM,
        "housing_situation",
        text="I have my own flat",
        candidates={"housing_situation": "stable_housing"},
        slots={"residence_area": "ile_de_france"},
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["housing_situation"] == "stable_housing"
    assert slots_set(events)["requested_slot"] is None  # The form ends: the verdict follows.


@pytest.mark.asyncio
async def test_no_years_of_experience_without_a_trade():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:7]}
    tracker = form_tracker(
        FORM, "sectors", text="other", candidates={"sectors": ["other"]}, slots=before
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["sectors"] == ["other"]
    assert slots_set(events)["requested_slot"] == "driving_licence"


@pytest.mark.asyncio
async def test_several_trades_are_kept_once():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:7]}
    tracker = form_tracker(
        FORM,
        "sectors",
        text="building, cleaning and building",
        candidates={"sectors": ["building", "cleaning", "building", "juggling"]},
        slots=before,
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["sectors"] == ["building", "cleaning"]


@pytest.mark.asyncio
async def test_territory_preferences_are_checked_against_the_catalogue(fake_api):
    before = {k: v for k, v in ANSWERED.items() if k != "territory_preferences"}
    tracker = form_tracker(
        FORM,
        "territory_preferences",
        text="cantal and atlantis",
        candidates={"territory_preferences": ["cantal", "atlantis"]},
        slots=before,
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["territory_preferences"] == ["cantal"]

    tracker = form_tracker(
        FORM,
        "territory_preferences",
        text="lot",
        candidates={"territory_preferences": ["lot"]},  # No longer takes candidates.
        slots=before,
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["territory_preferences"] is None
    assert responses(dispatcher) == ["utter_hint_territory_preferences"]


@pytest.mark.asyncio
async def test_no_preference_and_an_api_outage(fake_api):
    before = {k: v for k, v in ANSWERED.items() if k != "territory_preferences"}
    tracker = form_tracker(
        FORM,
        "territory_preferences",
        text="no",
        intent="deny",
        candidates={"territory_preferences": []},
        slots=before,
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["territory_preferences"] == []

    fake_api.down = True
    tracker = form_tracker(
        FORM,
        "territory_preferences",
        text="lozère",
        candidates={"territory_preferences": ["lozere"]},
        slots=before,
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["territory_preferences"] == ["lozere"]


# ---------------------------------------------------------------- starting the questions


async def start(slots=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, text="am I eligible?", intent="check_eligibility")
    events = await ActionStartEligibility().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


@pytest.mark.asyncio
async def test_start_the_questions(fake_api):
    dispatcher, events = await start()
    assert responses(dispatcher) == ["utter_eligibility_intro"]
    assert events == []


@pytest.mark.asyncio
async def test_resume_the_questions(fake_api):
    dispatcher, events = await start({"residence_area": "ile_de_france"})
    assert responses(dispatcher) == ["utter_eligibility_resume"]
    assert events == []


@pytest.mark.asyncio
async def test_not_eligible_before_starts_again(fake_api):
    dispatcher, events = await start({**ANSWERED, "verdict": "not_eligible"})
    assert responses(dispatcher) == ["utter_eligibility_restart"]
    assert all(value is None for value in slots_set(events).values())
    assert "housing_situation" in slots_set(events)


@pytest.mark.asyncio
async def test_eligible_goes_on_with_the_application(fake_api):
    _dispatcher, events = await start({**ANSWERED, "verdict": "eligible", "consent_given": False})
    assert followups(events) == ["application_form"]
    assert slots_set(events)["consent_given"] is None


@pytest.mark.asyncio
async def test_already_applied(fake_api):
    dispatcher, events = await start({"application_reference": "K7P4XM"})
    assert responses(dispatcher) == ["utter_already_applied"]
    assert dispatcher.messages[0]["application_reference"] == "K7P4XM"
    assert followups(events) == ["action_listen"]


# ---------------------------------------------------------------- why, I don't know


@pytest.mark.parametrize(
    ("action", "slot", "expected"),
    [
        (ActionExplainWhy, "right_to_work", "utter_why_right_to_work"),
        (ActionExplainWhy, "no_such_slot", "utter_why_generic"),
        (ActionExplainDontKnow, "adults", "utter_dont_know_adults"),
        (ActionExplainDontKnow, "first_name", "utter_dont_know_generic"),
    ],
)
@pytest.mark.asyncio
async def test_why_and_dont_know_follow_the_question(action, slot, expected):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"requested_slot": slot}, active_loop=FORM)
    assert await action().run(dispatcher, tracker, DOMAIN) == []
    assert responses(dispatcher) == [expected]


def test_every_question_has_a_why():
    for form in DOMAIN["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_why_{slot}" in DOMAIN["responses"], slot


@pytest.mark.asyncio
async def test_answers_reset_to_start_again_get_no_hint():
    # Starting again empties the answers; Rasa hands these resets to the validator.
    reset = {slot: None for slot in ANSWERED}
    tracker = form_tracker(
        FORM, None, text="/check_eligibility", intent="check_eligibility", candidates=reset
    )
    dispatcher, events = await validate(tracker)
    assert responses(dispatcher) == []
    slots = slots_set(events)
    assert all(value is None for k, value in slots.items() if not k.startswith("question_"))
    assert (slots["question_number"], slots["question_count"]) == (1, 12)


@pytest.mark.asyncio
async def test_an_unknown_household_size_is_an_answer_sent_to_review():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:5]}
    tracker = form_tracker(
        FORM,
        "adults",
        text="je ne sais pas",
        intent="dont_know",
        candidates={"adults": "dont_know"},
        slots=before,
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["adults"] == "dont_know"
    assert responses(dispatcher) == []
    answers = answers_from_slots({**ANSWERED, "adults": "dont_know"})
    assert answers["adults"] is None  # null for the API
    for_rules = answers_from_slots({**ANSWERED, "adults": "dont_know"}, for_rules=True)
    assert for_rules["adults"] == "dont_know"


@pytest.mark.asyncio
async def test_an_unsure_intent_is_no_answer():
    before = {k: ANSWERED[k] for k in list(ANSWERED)[:9]}
    tracker = form_tracker(
        FORM,
        "driving_licence",
        text="zzz",
        intent="deny",
        confidence=0.4,
        candidates={"driving_licence": "no"},
        slots=before,
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["driving_licence"] is None
    assert responses(dispatcher) == ["utter_rephrase_driving_licence"]
    sure = form_tracker(
        FORM,
        "driving_licence",
        text="nope",
        intent="deny",
        confidence=0.97,
        candidates={"driving_licence": "no"},
        slots=before,
    )
    _dispatcher, events = await validate(sure)
    assert slots_set(events)["driving_licence"] == "no"
