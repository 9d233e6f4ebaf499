"""Where is my application, talk to a person, delete my data."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionSubmitApplication
from actions.erasure import ActionEraseData
from actions.handoff import ActionRequestCallback, ValidateCallbackForm, callback_topic
from actions.outbox import start_outbox
from actions.status import ActionCheckStatus, ValidateStatusForm
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    form_tracker,
    make_tracker,
    message,
    responses,
    slots_set,
)
from tests.actions.test_application import ANSWERS, DETAILS


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


async def applied(fake_api, **slots):
    """Submit an application; the conversation's slots afterwards."""
    base = {**ANSWERS, **DETAILS, **slots}
    _dispatcher, events = await run(ActionSubmitApplication(), make_tracker(base))
    return {**base, **slots_set(events)}


# ---------------------------------------------------------------- status


@pytest.mark.asyncio
async def test_status_form_asks_nothing_when_the_conversation_applied(fake_api):
    form = ValidateStatusForm()
    slots = ["status_reference", "phone"]
    known = make_tracker({"application_reference": "K7P4XM", "phone": "+33612345678"})
    assert await form.required_slots(slots, CollectingDispatcher(), known, DOMAIN) == []
    stranger = make_tracker({})
    assert await form.required_slots(slots, CollectingDispatcher(), stranger, DOMAIN) == slots


@pytest.mark.asyncio
async def test_status_by_reference_and_phone(fake_api):
    slots = await applied(fake_api)
    reference = slots["application_reference"]
    fake_api.status_of[reference] = "in_assessment"
    # Another conversation (another phone, say) types the code and the number.
    typed = form_tracker(
        "status_form", "status_reference", text=f"code {reference}", intent="inform", confidence=0.5
    )
    _d, events = await run(ValidateStatusForm(), typed)
    assert slots_set(events)["status_reference"] == reference
    dispatcher, events = await run(
        ActionCheckStatus(),
        make_tracker({"status_reference": reference, "phone": "+33612345678"}),
    )
    sent = message(dispatcher, "utter_status_in_assessment")
    assert sent["reference"] == reference
    assert sent["updated_at"] == "2030-01-02T10:00:00Z"


@pytest.mark.asyncio
async def test_status_wrong_phone_says_not_found(fake_api):
    slots = await applied(fake_api)
    dispatcher, events = await run(
        ActionCheckStatus(),
        make_tracker({"status_reference": slots["application_reference"], "phone": "+33600000000"}),
    )
    assert responses(dispatcher) == ["utter_status_not_found"]
    assert slots_set(events)["status_reference"] is None


@pytest.mark.asyncio
async def test_status_of_an_application_still_in_the_outbox(fake_api):
    fake_api.down = True
    slots = await applied(fake_api)
    dispatcher, _ = await run(ActionCheckStatus(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_status_pending"]

    # Delivered since: the reference is learnt and the status given.
    fake_api.down = False
    service = await start_outbox()
    await service.outbox.try_deliver_now(slots["application_key"], service.client())
    dispatcher, events = await run(ActionCheckStatus(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_status_new"]
    assert (
        slots_set(events)["application_reference"]
        == message(dispatcher, "utter_status_new")["reference"]
    )


@pytest.mark.asyncio
async def test_status_while_the_api_is_down(fake_api):
    slots = await applied(fake_api)
    fake_api.down = True
    dispatcher, _ = await run(ActionCheckStatus(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_api_unavailable"]


# ---------------------------------------------------------------- talk to a person


@pytest.mark.asyncio
async def test_callback_request(fake_api):
    form = form_tracker(
        "callback_form", "phone", text="06 12 34 56 78", intent="inform", confidence=0.5
    )
    _d, events = await run(ValidateCallbackForm(), form)
    assert slots_set(events)["phone"] == "+33612345678"

    tracker = make_tracker(
        {"phone": "+33612345678", "language": "en", "verdict": "not_eligible"},
        input_channel="rest",
    )
    dispatcher, _ = await run(ActionRequestCallback(), tracker)
    assert message(dispatcher, "utter_callback_created")["phone"] == "+33612345678"
    [callback] = fake_api.callbacks
    assert callback["topic"] == "eligibility_not_eligible"
    assert callback["language"] == "en" and callback["channel"] == "rest"


@pytest.mark.asyncio
async def test_callback_while_the_api_is_down(fake_api):
    fake_api.down = True
    dispatcher, _ = await run(ActionRequestCallback(), make_tracker({"phone": "+33612345678"}))
    assert responses(dispatcher) == ["utter_callback_failed"]


def test_callback_topics():
    assert callback_topic(make_tracker({"application_reference": "K7P4XM"})) == "application"
    assert callback_topic(make_tracker({"audience": "professionals"})) == "workshops"
    assert callback_topic(make_tracker({})) == "general"


# ---------------------------------------------------------------- delete my data


@pytest.mark.asyncio
async def test_erasure_of_a_delivered_application(fake_api):
    slots = await applied(fake_api)
    dispatcher, events = await run(ActionEraseData(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_erasure_done"]
    assert [e["event"] for e in events] == ["reset_slots", "restart"]
    assert fake_api.erased == [(slots["application_reference"], "+33612345678")]
    assert fake_api.applications == {}
    said = message(dispatcher, "utter_erasure_done")
    assert (said["applications"], said["registrations"], said["callbacks"]) == (1, 0, 0)
    service = await start_outbox()
    assert service.outbox.status(slots["application_key"]) is None


@pytest.mark.asyncio
async def test_erasure_of_an_application_not_sent_yet(fake_api):
    fake_api.down = True
    slots = await applied(fake_api)
    fake_api.down = False
    dispatcher, _events = await run(ActionEraseData(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_erasure_done"]
    service = await start_outbox()
    assert service.outbox.status(slots["application_key"]) is None
    assert service.outbox.pending_count() == 0  # Never sent after the erasure.


@pytest.mark.asyncio
async def test_erasure_with_no_application(fake_api):
    dispatcher, events = await run(ActionEraseData(), make_tracker({"language": "en"}))
    assert responses(dispatcher) == ["utter_erasure_done"]
    said = message(dispatcher, "utter_erasure_done")
    assert (said["applications"], said["registrations"], said["callbacks"]) == (0, 0, 0)
    assert [e["event"] for e in events] == ["reset_slots", "restart"]


@pytest.mark.asyncio
async def test_erasure_of_a_callback_asked_on_telegram_says_so(fake_api):
    """No application, a typed phone: the callback this conversation made is erased."""
    tracker = make_tracker({"phone": "+33612345678"}, input_channel="telegram")
    _, events = await run(ActionRequestCallback(), tracker)
    [ids] = [e["value"] for e in events if e.get("name") == "callback_ids"]
    # Someone else's request with the same typed number is not this conversation's.
    fake_api.callbacks.append({"id": 99, "phone": "+33612345678", "status": "open"})

    dispatcher, _ = await run(
        ActionEraseData(),
        make_tracker({"phone": "+33612345678", "callback_ids": ids}, input_channel="telegram"),
    )

    said = message(dispatcher, "utter_erasure_done")
    assert (said["applications"], said["callbacks"]) == (0, 1)
    assert [c["id"] for c in fake_api.callbacks] == [99]


@pytest.mark.asyncio
async def test_an_sms_sender_erases_everything_held_for_its_number(fake_api):
    fake_api.callbacks.append({"id": 7, "phone": "+33612345678", "status": "open"})
    tracker = make_tracker({"phone": "+33612345678"}, input_channel="sms", sender_id="+33612345678")

    dispatcher, _ = await run(ActionEraseData(), tracker)

    assert message(dispatcher, "utter_erasure_done")["callbacks"] == 1
    assert fake_api.callbacks == []


@pytest.mark.asyncio
async def test_erasure_while_the_api_is_down_erases_nothing(fake_api):
    slots = await applied(fake_api)
    fake_api.down = True
    dispatcher, events = await run(ActionEraseData(), make_tracker(slots))
    assert responses(dispatcher) == ["utter_erasure_failed"]
    assert events == []  # The conversation is kept: the person can try again.
