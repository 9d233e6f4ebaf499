# mypy: disallow-subclassing-any=False
"""Delete my data: what the API holds about the person's phone, anything waiting in the
outbox, and the conversation itself (bot/tracker_store.py deletes its stored events on this
action). The person is told exactly what was deleted."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, Restarted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, ErasureReport, Gone, NotFound, shared_client
from actions.application import application_state
from actions.base import channel_of, normalise_phone
from actions.outbox import start_outbox
from common.conversation import ERASE_ACTION

logger = logging.getLogger(__name__)


def phone_proved_by_channel(tracker: Tracker, phone: str) -> bool:
    """Whether the channel itself proves the phone is this person's: an SMS sent from it."""
    return channel_of(tracker) == "sms" and normalise_phone(tracker.sender_id) == phone


def _ints(value: object) -> list[int]:
    return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []


async def _erase_in_api(tracker: Tracker, phone: str, reference: str | None) -> ErasureReport:
    """Ask the API to erase what it holds about `phone`, with what proves it is theirs."""
    registration = tracker.get_slot("registration_reference")
    client = shared_client()

    async def erase(reference: str | None) -> ErasureReport:
        return await client.person_erasure(
            phone,
            reference=reference,
            registration_reference=registration if isinstance(registration, str) else None,
            phone_verified=phone_proved_by_channel(tracker, phone),
            callback_ids=_ints(tracker.get_slot("callback_ids")),
        )

    nothing = ErasureReport(applications=0, registrations=0, callbacks=0)
    try:
        return await erase(reference)
    except (NotFound, Gone):
        if reference is None:
            return nothing
    # The application is already gone (an operator erased it): erase the rest.
    try:
        return await erase(None)
    except (NotFound, Gone):
        return nothing


class ActionEraseData(Action):
    """Erase, after the person confirmed. Nothing is said to be deleted unless it was."""

    def name(self) -> str:
        # The tracker store watches for this name (common/conversation.py).
        return ERASE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        phone = tracker.get_slot("phone")
        key = tracker.get_slot("application_key")
        report = ErasureReport(applications=0, registrations=0, callbacks=0)
        try:
            state = await application_state(tracker)
            service = await start_outbox()
            if isinstance(phone, str) and phone:
                report = await _erase_in_api(tracker, phone, state.reference)
                # Undelivered applications with this phone never reached the API.
                waiting = service.outbox.erase_phone(phone)
                report = ErasureReport(
                    report.applications + waiting, report.registrations, report.callbacks
                )
            if key:
                service.outbox.forget(key)
        except ApiError as exc:
            logger.info("erasure failed: %s", exc)
            dispatcher.utter_message(response="utter_erasure_failed")
            return []
        except Exception:
            logger.exception("erasure failed")
            dispatcher.utter_message(response="utter_erasure_failed")
            return []
        dispatcher.utter_message(
            response="utter_erasure_done",
            applications=report.applications,
            registrations=report.registrations,
            callbacks=report.callbacks,
        )
        # Restarted right after this action tells the tracker store to delete the conversation.
        return [AllSlotsReset(), Restarted()]
