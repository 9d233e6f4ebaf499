"""The application: consent before any contact detail, the channel's phone offered, the
outbox first, and only true things said (reference when the API answered, else "saved")."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.application import (
    ActionAskPhone,
    ActionAskTerritoryPreferences,
    ActionSubmitApplication,
    ValidateApplicationForm,
    application_key,
    build_payload,
)
from actions.outbox import start_outbox
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    form_tracker,
    make_tracker,
    message,
    responses,
    slots_set,
)

FORM = "application_form"
ANSWERS = {
    "language": "en",
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
    "territory_preferences": ["cantal", "lozere"],
    "verdict": "eligible",
}
DETAILS = {
    "consent_given": True,
    "consent_at": "2026-11-22T10:00:00+00:00",
    "first_name": "Amina",
    "last_name": "Diallo",
    "phone": "+33612345678",
    "email": "",
}


async def validate(tracker):
    dispatcher = CollectingDispatcher()
    events = await ValidateApplicationForm().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


@pytest.mark.asyncio
async def test_consent_is_recorded_with_its_time():
    tracker = form_tracker(
        FORM, "consent_given", text="/affirm", intent="affirm", candidates={"consent_given": True}
    )
    _dispatcher, events = await validate(tracker)
    slots = slots_set(events)
    assert slots["consent_given"] is True
    assert slots["consent_at"].endswith("+00:00")


@pytest.mark.asyncio
async def test_no_consent_asks_nothing_more():
    tracker = form_tracker(
        FORM, "consent_given", text="no", intent="deny", candidates={"consent_given": False}
    )
    _dispatcher, events = await validate(tracker)
    slots = slots_set(events)
    assert slots["consent_given"] is False
    assert slots["requested_slot"] is None  # The form ends before any contact detail.


@pytest.mark.asyncio
async def test_a_typed_name_is_taken():
    tracker = form_tracker(
        FORM,
        "first_name",
        text="Amina",
        intent="greet",
        confidence=0.55,
        slots={"consent_given": True},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["first_name"] == "Amina"
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_a_name_with_digits_gets_a_hint():
    tracker = form_tracker(
        FORM,
        "last_name",
        text="12345",
        intent="inform",
        confidence=0.5,
        slots={"consent_given": True, "first_name": "Amina"},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["last_name"] is None
    assert responses(dispatcher) == ["utter_hint_name"]


@pytest.mark.asyncio
async def test_a_one_word_name_the_model_reads_as_yes_is_a_name():
    # Seen once the model learnt nine languages: "John" got affirm (0.949).
    tracker = form_tracker(
        FORM,
        "first_name",
        text="John",
        intent="affirm",
        confidence=0.949,
        slots={"consent_given": True, "language": "en"},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["first_name"] == "John"
    assert responses(dispatcher) == []


@pytest.mark.parametrize("text", ["oui", "yes", "non", "jsp", "بلی"])
@pytest.mark.asyncio
async def test_a_yes_or_no_word_at_the_name_question_is_not_a_name(text):
    intent = {"non": "deny", "jsp": "dont_know"}.get(text, "affirm")
    tracker = form_tracker(
        FORM,
        "first_name",
        text=text,
        intent=intent,
        confidence=0.97,
        slots={"consent_given": True},
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events).get("first_name") is None


@pytest.mark.asyncio
async def test_a_name_read_as_an_unknown_language_is_a_name():
    # Seen in the benchmark: "Bench" got choose_language (0.93) with a `language` "Bench".
    tracker = form_tracker(
        FORM,
        "last_name",
        text="Bench",
        intent="choose_language",
        confidence=0.93,
        entities=[{"entity": "language", "value": "Bench"}],
        slots={"consent_given": True, "first_name": "Amina", "language": "en"},
    )
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["last_name"] == "Bench"
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("Multi-Sms-Cv", True),  # seen: ask_documents at 0.909 ("Cv")
        ("Ben-Salah Cv", True),
        ("Cv", False),  # one word: the usual 0.9
        ("quels documents", False),  # not every word capitalised
        ("Documents?", False),
    ],
)
@pytest.mark.asyncio
async def test_a_compound_name_is_a_name_unless_the_nlu_is_all_but_certain(text, taken):
    tracker = form_tracker(
        FORM,
        "last_name",
        text=text,
        intent="ask_documents",
        confidence=0.95,
        slots={"consent_given": True, "first_name": "Amina"},
    )
    _dispatcher, events = await validate(tracker)
    assert (slots_set(events).get("last_name") is not None) is taken


@pytest.mark.asyncio
async def test_asking_for_english_during_the_name_is_not_a_name():
    tracker = form_tracker(
        FORM,
        "last_name",
        text="english please",
        intent="choose_language",
        confidence=0.95,
        entities=[{"entity": "language", "value": "en"}],
        slots={"consent_given": True, "first_name": "Amina"},
    )
    _dispatcher, events = await validate(tracker)
    assert "last_name" not in slots_set(events)


@pytest.mark.asyncio
async def test_why_during_the_name_is_a_question_not_a_name():
    tracker = form_tracker(
        FORM,
        "first_name",
        text="why do you need my name?",
        intent="ask_why",
        confidence=0.97,
        slots={"consent_given": True},
    )
    dispatcher, events = await validate(tracker)
    assert "first_name" not in slots_set(events)
    assert responses(dispatcher) == []


@pytest.mark.asyncio
async def test_the_sms_number_is_offered_then_confirmed():
    ask = ActionAskPhone()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"consent_given": True}, sender_id="+33698765432", input_channel="twilio"
    )
    events = await ask.run(dispatcher, tracker, DOMAIN)
    assert slots_set(events) == {"phone_offer": "+33698765432"}
    assert message(dispatcher, "utter_ask_phone_confirm")["phone_offer"] == "+33698765432"

    confirm = form_tracker(
        FORM,
        "phone",
        text="yes",
        intent="affirm",
        slots={
            "consent_given": True,
            "first_name": "A",
            "last_name": "D",
            "phone_offer": "+33698765432",
        },
    )
    _dispatcher, events = await validate(confirm)
    assert slots_set(events)["phone"] == "+33698765432"


@pytest.mark.asyncio
async def test_the_offered_number_can_be_refused():
    refuse = form_tracker(
        FORM,
        "phone",
        text="no",
        intent="deny",
        slots={"consent_given": True, "phone_offer": "+33698765432"},
    )
    dispatcher, events = await validate(refuse)
    assert slots_set(events)["phone_offer"] == "declined"
    assert slots_set(events)["phone"] is None
    assert responses(dispatcher) == []  # No hint: the form asks for another number.

    ask = CollectingDispatcher()
    await ActionAskPhone().run(ask, make_tracker({"phone_offer": "declined"}), DOMAIN)
    assert responses(ask) == ["utter_ask_phone"]


@pytest.mark.asyncio
async def test_a_telegram_chat_id_is_not_a_phone_number():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({}, sender_id="612345678", input_channel="telegram")
    assert await ActionAskPhone().run(dispatcher, tracker, DOMAIN) == []
    assert responses(dispatcher) == ["utter_ask_phone"]


@pytest.mark.asyncio
async def test_the_channel_metadata_phone_is_offered():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({}, metadata={"phone": "06 11 22 33 44"})
    events = await ActionAskPhone().run(dispatcher, tracker, DOMAIN)
    assert slots_set(events) == {"phone_offer": "+33611223344"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("my number is +33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("٠٦١٢٣٤٥٦٧٨", "+33612345678"),
        ("+44 7700 900123", "+447700900123"),
    ],
)
@pytest.mark.asyncio
async def test_typed_phone_numbers_are_normalised(text, expected):
    tracker = form_tracker(
        FORM,
        "phone",
        text=text,
        intent="inform",
        confidence=0.6,
        slots={"consent_given": True},
    )
    _dispatcher, events = await validate(tracker)
    assert slots_set(events)["phone"] == expected


@pytest.mark.asyncio
async def test_not_a_phone_number_gets_a_hint():
    tracker = form_tracker(FORM, "phone", text="12", intent="inform", slots={"consent_given": True})
    dispatcher, events = await validate(tracker)
    assert slots_set(events)["phone"] is None
    assert responses(dispatcher) == ["utter_hint_phone"]


@pytest.mark.asyncio
async def test_email_is_optional():
    skip = form_tracker(FORM, "email", text="/deny", intent="deny", slots=DETAILS | {"email": None})
    _dispatcher, events = await validate(skip)
    assert slots_set(events)["email"] == ""

    typed = form_tracker(
        FORM,
        "email",
        text="It is Amina.Diallo@Example.ORG",
        intent="inform",
        slots=DETAILS | {"email": None},
    )
    _dispatcher, events = await validate(typed)
    assert slots_set(events)["email"] == "Amina.Diallo@example.org"

    wrong = form_tracker(FORM, "email", text="amina at home", slots=DETAILS | {"email": None})
    dispatcher, events = await validate(wrong)
    assert responses(dispatcher) == ["utter_hint_email"]


@pytest.mark.asyncio
async def test_territory_buttons_come_from_the_api(fake_api):
    dispatcher = CollectingDispatcher()
    await ActionAskTerritoryPreferences().run(dispatcher, make_tracker({"language": "en"}), DOMAIN)
    sent = message(dispatcher, "utter_ask_territory_preferences")
    assert [b["title"] for b in sent["choices"]] == ["Cantal", "Lozère"]
    assert sent["choices"][0]["payload"] == '/inform{"territory": "cantal"}'


# ---------------------------------------------------------------- submission


def test_the_payload_has_the_answers_under_the_api_names():
    payload = build_payload(make_tracker({**ANSWERS, **DETAILS}, input_channel="rest"))
    assert payload["answers"]["trades"] == ["building"]
    assert payload["answers"]["adults"] == 1
    assert payload["email"] is None
    assert payload["language"] == "en"
    assert payload["channel"] == "rest"
    assert payload["territory_preferences"] == ["cantal", "lozere"]
    assert payload["verdict"]["result"] == "eligible"


def test_the_idempotency_key_is_stable_for_one_consent():
    one = make_tracker({**DETAILS}, sender_id="a")
    assert application_key(one) == application_key(make_tracker({**DETAILS}, sender_id="a"))
    assert application_key(one) != application_key(make_tracker({**DETAILS}, sender_id="b"))
    assert application_key(make_tracker({"application_key": "k1"})) == "k1"


async def submit(slots):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitApplication().run(dispatcher, make_tracker(slots), DOMAIN)
    return dispatcher, events


@pytest.mark.asyncio
async def test_submitted_the_person_gets_the_reference(fake_api):
    dispatcher, events = await submit({**ANSWERS, **DETAILS})
    assert responses(dispatcher) == ["utter_application_sent", "utter_next_steps"]
    reference = message(dispatcher, "utter_application_sent")["application_reference"]
    slots = slots_set(events)
    assert slots["application_reference"] == reference
    [application] = fake_api.applications.values()
    assert application["answers"]["housing_situation"] == "emergency_shelter"
    assert application["first_name"] == "Amina"

    # Asked again: the same application, not a second one.
    dispatcher, _events = await submit({**ANSWERS, **DETAILS, **slots})
    assert responses(dispatcher) == ["utter_already_applied"]
    assert len(fake_api.applications) == 1


@pytest.mark.asyncio
async def test_api_down_the_application_is_saved_not_sent(fake_api):
    fake_api.down = True
    dispatcher, events = await submit({**ANSWERS, **DETAILS})
    said = responses(dispatcher)
    assert said == ["utter_application_saved", "utter_next_steps"]
    assert "utter_application_sent" not in said  # Never claim it arrived.
    slots = slots_set(events)
    assert "application_reference" not in slots
    key = slots["application_key"]
    service = await start_outbox()
    assert service.outbox.status(key).state == "pending"

    # The API comes back: the outbox delivers it once, and the reference is known later.
    fake_api.down = False
    status = await service.outbox.try_deliver_now(key, service.client())
    assert status.state == "delivered"
    assert len(fake_api.applications) == 1
    from actions.application import application_state

    state = await application_state(make_tracker({"application_key": key}))
    assert state.reference == status.reference


@pytest.mark.asyncio
async def test_a_phone_over_its_application_limit_hears_why_not_try_again(fake_api):
    fake_api.applications_per_phone = 0
    dispatcher, events = await submit({**ANSWERS, **DETAILS})
    assert responses(dispatcher) == ["utter_application_quota"]
    assert "application_reference" not in slots_set(events)
    assert fake_api.applications == {}
    # Not retried: the outbox keeps it as refused for an administrator to see.
    service = await start_outbox()
    assert service.outbox.status(slots_set(events)["application_key"]).state == "failed"


@pytest.mark.asyncio
async def test_without_consent_nothing_is_sent(fake_api):
    dispatcher, events = await submit({**ANSWERS, "consent_given": False})
    assert responses(dispatcher) == ["utter_no_consent"]
    assert events == []
    assert fake_api.applications == {}


def test_an_unknown_household_is_null_and_reviewed_in_the_payload():
    payload = build_payload(make_tracker({**ANSWERS, **DETAILS, "children": "dont_know"}))
    assert payload["answers"]["children"] is None
    assert payload["answers"]["adults"] == 1
    assert payload["verdict"]["result"] in ("eligible", "to_review")  # The rules decide.
