"""Workshops: sessions by audience with seats left, booking, a full session, cancellation."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.workshops import (
    ActionBookWorkshop,
    ActionCancelRegistration,
    ActionListWorkshops,
    ValidateCancellationForm,
    ValidateWorkshopForm,
)
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    form_tracker,
    make_tracker,
    message,
    responses,
    slots_set,
)


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


@pytest.mark.asyncio
async def test_who_is_it_for_is_asked_first(fake_api):
    dispatcher, _ = await run(ActionListWorkshops(), make_tracker(intent="ask_workshops"))
    assert responses(dispatcher) == ["utter_ask_audience"]


@pytest.mark.asyncio
async def test_sessions_for_professionals_with_seats_left(fake_api):
    tracker = make_tracker(
        intent="inform", entities=[{"entity": "audience", "value": "professionals"}]
    )
    dispatcher, events = await run(ActionListWorkshops(), tracker)
    assert responses(dispatcher) == [
        "utter_workshops_intro",
        "utter_workshop_item",
        "utter_workshop_item",
    ]
    first = dispatcher.messages[1]
    assert first["starts_at"] == "2030-03-05T13:00:00Z"  # The NLG writes it for the locale.
    assert first["seats_left_count"] == 1
    assert first["workshop_id"] == "1"
    assert first["where"] == "Paris 13e"
    assert dispatcher.messages[2]["where"] == "https://visio.example.org/emile"
    assert slots_set(events) == {"audience": "professionals"}


@pytest.mark.asyncio
async def test_a_full_session_is_shown_as_full(fake_api):
    tracker = make_tracker({"audience": "candidates"}, intent="ask_workshops")
    dispatcher, _ = await run(ActionListWorkshops(), tracker)
    assert responses(dispatcher) == ["utter_workshops_intro", "utter_workshop_item_full"]


@pytest.mark.asyncio
async def test_the_booking_form_asks_the_organisation_of_professionals_only(fake_api):
    form = ValidateWorkshopForm()
    slots = ["attendee_name", "organisation", "contact"]
    pro = make_tracker({"audience": "professionals"})
    assert await form.required_slots(slots, CollectingDispatcher(), pro, DOMAIN) == slots
    candidate = make_tracker({"audience": "candidates"})
    assert await form.required_slots(slots, CollectingDispatcher(), candidate, DOMAIN) == [
        "attendee_name",
        "contact",
    ]


@pytest.mark.asyncio
async def test_booking_details_are_read(fake_api):
    name = form_tracker(
        "workshop_form",
        "attendee_name",
        text="Claire Martin",
        intent="inform",
        confidence=0.4,
        slots={"audience": "professionals"},
    )
    _d, events = await run(ValidateWorkshopForm(), name)
    assert slots_set(events)["attendee_name"] == "Claire Martin"

    skip = form_tracker(
        "workshop_form",
        "organisation",
        text="/deny",
        intent="deny",
        slots={"audience": "professionals", "attendee_name": "Claire Martin"},
    )
    _d, events = await run(ValidateWorkshopForm(), skip)
    assert slots_set(events)["organisation"] == ""

    contact = form_tracker(
        "workshop_form",
        "contact",
        text="claire@cias.example.org",
        intent="inform",
        slots={"audience": "candidates"},
    )
    _d, events = await run(ValidateWorkshopForm(), contact)
    assert slots_set(events)["contact"] == "claire@cias.example.org"

    wrong = form_tracker(
        "workshop_form",
        "contact",
        text="tomorrow",
        intent="inform",
        slots={"audience": "candidates"},
    )
    dispatcher, events = await run(ValidateWorkshopForm(), wrong)
    assert responses(dispatcher) == ["utter_hint_contact"]


BOOKING = {
    "language": "fr",
    "audience": "professionals",
    "attendee_name": "Claire Martin",
    "organisation": "CIAS",
    "contact": "+33611223344",
}


@pytest.mark.asyncio
async def test_booking_confirms_with_the_date_and_the_code(fake_api):
    dispatcher, events = await run(
        ActionBookWorkshop(), make_tracker({**BOOKING, "workshop_id": "1"})
    )
    booked = message(dispatcher, "utter_workshop_booked")
    assert booked["starts_at"] == "2030-03-05T13:00:00Z"
    reference = booked["registration_reference"]
    assert slots_set(events) == {"workshop_id": None, "registration_reference": reference}
    sent = fake_api.registrations[reference]["body"]
    assert sent == {
        "name": "Claire Martin",
        "organisation": "CIAS",
        "phone": "+33611223344",
        "email": None,
        "language": "fr",
    }


@pytest.mark.asyncio
async def test_a_full_session_offers_the_next_one(fake_api):
    await run(ActionBookWorkshop(), make_tracker({**BOOKING, "workshop_id": "1"}))  # Last seat.
    dispatcher, events = await run(
        ActionBookWorkshop(), make_tracker({**BOOKING, "contact": "a@b.org", "workshop_id": "1"})
    )
    assert responses(dispatcher) == [
        "utter_workshop_full",
        "utter_workshop_next_offer",
        "utter_workshop_item",
    ]
    assert dispatcher.messages[2]["workshop_id"] == "2"
    assert "registration_reference" not in slots_set(events)


@pytest.mark.asyncio
async def test_booking_while_the_api_is_down(fake_api):
    fake_api.down = True
    dispatcher, events = await run(
        ActionBookWorkshop(), make_tracker({**BOOKING, "workshop_id": "2"})
    )
    assert responses(dispatcher) == ["utter_api_unavailable"]
    assert slots_set(events) == {"workshop_id": None}


@pytest.mark.asyncio
async def test_cancellation(fake_api):
    _d, events = await run(ActionBookWorkshop(), make_tracker({**BOOKING, "workshop_id": "2"}))
    reference = slots_set(events)["registration_reference"]
    seats = fake_api.workshops[1]["seats_left"]
    dispatcher, events = await run(
        ActionCancelRegistration(), make_tracker({"registration_reference": reference})
    )
    assert responses(dispatcher) == ["utter_registration_cancelled"]
    assert fake_api.workshops[1]["seats_left"] == seats + 1
    assert slots_set(events) == {"registration_reference": None}

    dispatcher, _ = await run(
        ActionCancelRegistration(), make_tracker({"registration_reference": "ZZZZZZ"})
    )
    assert responses(dispatcher) == ["utter_registration_not_found"]


@pytest.mark.asyncio
async def test_the_booking_code_is_read_from_a_sentence(fake_api):
    tracker = form_tracker(
        "cancellation_form",
        "registration_reference",
        text="my code is k7p 4xm",
        intent="inform",
        confidence=0.5,
    )
    _d, events = await run(ValidateCancellationForm(), tracker)
    assert slots_set(events)["registration_reference"] == "K7P4XM"
