# mypy: disallow-subclassing-any=False
"""Where is my application? By reference code and phone number."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, NotFound, shared_client
from actions.application import PhoneFormValidator, application_state
from actions.vocabulary import APPLICATION_STATUS


class ValidateStatusForm(PhoneFormValidator):
    """The reference code and the phone number, unless this conversation knows them."""

    hints: ClassVar[Mapping[str, str]] = {
        "status_reference": "utter_hint_reference",
        "phone": "utter_hint_phone",
    }

    def name(self) -> str:
        return "validate_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("application_reference") or tracker.get_slot("application_key"):
            # This conversation made the application: nothing to ask but, maybe, the phone.
            return [] if tracker.get_slot("phone") else ["phone"]
        return list(domain_slots)

    async def extract_status_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.reference_answer(tracker, "status_reference")


class ActionCheckStatus(Action):
    """Tell the person where their application stands."""

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state = await application_state(tracker)
        events = list(state.events)
        if state.pending:
            dispatcher.utter_message(response="utter_status_pending")
            return events
        if state.failed:
            dispatcher.utter_message(response="utter_application_failed")
            return events
        reference = state.reference or tracker.get_slot("status_reference")
        phone = tracker.get_slot("phone")
        if not reference or not phone:
            dispatcher.utter_message(response="utter_status_not_found")
            return [*events, SlotSet("status_reference", None)]
        try:
            status = await shared_client().person_status(reference, phone)
        except NotFound:
            dispatcher.utter_message(response="utter_status_not_found")
            return [*events, SlotSet("status_reference", None)]
        except ApiError as exc:
            logging.getLogger(__name__).info("status unavailable: %s", exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return events
        if status.status not in APPLICATION_STATUS:
            dispatcher.utter_message(response="utter_api_unavailable")
            return events
        dispatcher.utter_message(
            response=f"utter_status_{status.status}",
            reference=status.reference,
            updated_at=status.updated_at or None,
        )
        return [*events, SlotSet("status_reference", None)]
