# mypy: disallow-subclassing-any=False
"""Talk to a person: a callback request operators see in the API."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, shared_client
from actions.application import PhoneFormValidator
from actions.base import channel_of, language_of

logger = logging.getLogger(__name__)


def callback_topic(tracker: Tracker) -> str:
    """What the person probably wants to talk about, for the operator."""
    if tracker.get_slot("application_reference") or tracker.get_slot("application_key"):
        return "application"
    verdict = tracker.get_slot("verdict")
    if verdict:
        return f"eligibility_{verdict}"
    if tracker.get_slot("registration_reference") or tracker.get_slot("audience"):
        return "workshops"
    return "general"


class ValidateCallbackForm(PhoneFormValidator):
    """The number to call back (offered from the channel when it has one)."""

    hints: ClassVar[Mapping[str, str]] = {"phone": "utter_hint_phone"}

    def name(self) -> str:
        return "validate_callback_form"


class ActionRequestCallback(Action):
    """Create the callback request."""

    def name(self) -> str:
        return "action_request_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        phone = tracker.get_slot("phone")
        if not phone:
            dispatcher.utter_message(response="utter_callback_failed")
            return []
        names = [tracker.get_slot("first_name"), tracker.get_slot("last_name")]
        name = " ".join(n for n in names if isinstance(n, str) and n) or None
        reference = tracker.get_slot("application_reference")
        try:
            receipt = await shared_client().create_callback(
                phone=phone,
                language=language_of(tracker),
                channel=channel_of(tracker),
                topic=callback_topic(tracker),
                name=name,
                application_reference=reference if isinstance(reference, str) else None,
            )
        except ApiError as exc:
            logger.info("callback request failed: %s", exc)
            dispatcher.utter_message(response="utter_callback_failed")
            return []
        dispatcher.utter_message(response="utter_callback_created", phone=phone)
        # Kept so that "delete my data" can erase it even when the phone was only typed.
        made = tracker.get_slot("callback_ids")
        earlier = [i for i in made if isinstance(i, int)] if isinstance(made, list) else []
        return [SlotSet("callback_ids", [*earlier, receipt.id])]
