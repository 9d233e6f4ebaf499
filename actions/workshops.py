# mypy: disallow-subclassing-any=False
"""Workshops and information meetings: upcoming sessions, booking, cancellation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, Conflict, NotFound, Workshop, shared_client
from actions.base import (
    REQUESTED_SLOT,
    BaseFormValidator,
    answered_just_now,
    clean_name,
    entity_values,
    find_email,
    find_phone,
    is_payload,
    language_of,
    latest_intent,
    latest_text,
)
from actions.vocabulary import AUDIENCE

logger = logging.getLogger(__name__)

# How many upcoming sessions are shown at once (small screens, SMS).
SHOWN: Final = 3
ORGANISATION_MAX: Final = 200


def audience_of(tracker: Tracker) -> str | None:
    """Who the person is: `professionals` or `candidates` (entity, else slot)."""
    for value in [*entity_values(tracker, "audience"), tracker.get_slot("audience")]:
        if value in AUDIENCE:
            return str(value)
    return None


def where(workshop: Workshop) -> str:
    """Where a session takes place: its place, else its online link."""
    return workshop.place or workshop.online_url or ""


def show_workshop(dispatcher: CollectingDispatcher, workshop: Workshop) -> None:
    """One session: title, date (formatted by the NLG), place, seats left."""
    values: dict[str, Any] = {
        "title": workshop.title,
        "starts_at": workshop.starts_at,
        "where": where(workshop),
        "seats_left_count": workshop.seats_left,
        "workshop_id": str(workshop.id),
    }
    if workshop.seats_left > 0:
        dispatcher.utter_message(response="utter_workshop_item", **values)
    else:
        dispatcher.utter_message(response="utter_workshop_item_full", **values)


async def upcoming(audience: str) -> list[Workshop]:
    """Upcoming sessions for an audience, soonest first, cancelled ones left out."""
    sessions = await shared_client().list_workshops(audience)
    return sorted((w for w in sessions if not w.cancelled), key=lambda w: w.starts_at)


class ActionListWorkshops(Action):
    """Upcoming sessions for the person's audience, each with a "book" button."""

    def name(self) -> str:
        return "action_list_workshops"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        audience = audience_of(tracker)
        if audience is None:
            dispatcher.utter_message(response="utter_ask_audience")
            return []
        try:
            sessions = await upcoming(audience)
        except ApiError as exc:
            logger.info("workshops unavailable: %s", exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return [SlotSet("audience", audience)]
        if not sessions:
            dispatcher.utter_message(response="utter_workshops_none")
            return [SlotSet("audience", audience)]
        dispatcher.utter_message(response="utter_workshops_intro")
        for workshop in sessions[:SHOWN]:
            show_workshop(dispatcher, workshop)
        return [SlotSet("audience", audience)]


class ActionAskOrganisation(Action):
    """Ask a professional for their organisation (skippable)."""

    def name(self) -> str:
        return "action_ask_organisation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_organisation")
        return []


class ValidateWorkshopForm(BaseFormValidator):
    """Name, organisation (professionals only, skippable) and a phone or e-mail."""

    hints: ClassVar[Mapping[str, str]] = {
        "attendee_name": "utter_hint_name",
        "organisation": "utter_hint_name",
        "contact": "utter_hint_contact",
    }

    def name(self) -> str:
        return "validate_workshop_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = list(domain_slots)
        if audience_of(tracker) != "professionals":
            slots.remove("organisation")
        return slots

    def _typed(self, slot: str, tracker: Tracker) -> str | None:
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            return None
        if not answered_just_now(tracker, self.form_name()):
            return None
        text = latest_text(tracker)
        return None if is_payload(text) else text

    async def extract_attendee_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._typed("attendee_name", tracker)
        intent, confidence = latest_intent(tracker)
        if text is None or (intent in ("affirm", "deny") and confidence >= 0.9):
            return {}
        name = clean_name(text)
        return {"attendee_name": name} if name else {}

    async def extract_organisation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != "organisation":
            return {}
        if not answered_just_now(tracker, self.form_name()):
            return {}
        intent, _confidence = latest_intent(tracker)
        if intent in ("deny", "dont_know"):
            return {"organisation": ""}  # Skipped.
        text = self._typed("organisation", tracker)
        if not text:
            return {}
        return {"organisation": " ".join(text.split())[:ORGANISATION_MAX]}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._typed("contact", tracker)
        if text is None:
            return {}
        contact = find_email(text) or find_phone(text)
        return {"contact": contact} if contact else {}

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = (find_email(value) or find_phone(value)) if isinstance(value, str) else None
        if contact is None:
            dispatcher.utter_message(response="utter_hint_contact")
        return {"contact": contact}


class ActionBookWorkshop(Action):
    """Book the chosen session; a full one is said so, with the next one offered."""

    def name(self) -> str:
        return "action_book_workshop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raw_id = tracker.get_slot("workshop_id")
        done: list[EventType] = [SlotSet("workshop_id", None)]
        try:
            workshop_id = int(str(raw_id).strip())
        except ValueError:
            dispatcher.utter_message(response="utter_workshop_unknown")
            return [*done, *await ActionListWorkshops().run(dispatcher, tracker, domain)]
        contact = tracker.get_slot("contact") or ""
        email = find_email(contact)
        try:
            registration = await shared_client().register(
                workshop_id,
                name=tracker.get_slot("attendee_name") or "",
                language=language_of(tracker),
                phone=None if email else contact,
                email=email,
                organisation=tracker.get_slot("organisation") or None,
            )
        except Conflict as exc:
            if exc.code != "workshop_full":
                logger.info("booking refused: %s", exc)
                dispatcher.utter_message(response="utter_api_unavailable")
                return done
            dispatcher.utter_message(response="utter_workshop_full")
            return [*done, *await self._offer_next(dispatcher, tracker, workshop_id)]
        except NotFound:
            dispatcher.utter_message(response="utter_workshop_unknown")
            return [*done, *await ActionListWorkshops().run(dispatcher, tracker, domain)]
        except ApiError as exc:
            logger.info("booking failed: %s", exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return done
        workshop = registration.workshop
        dispatcher.utter_message(
            response="utter_workshop_booked",
            title=workshop.title if workshop else "",
            starts_at=workshop.starts_at if workshop else None,
            where=where(workshop) if workshop else "",
            registration_reference=registration.reference,
        )
        return [*done, SlotSet("registration_reference", registration.reference)]

    async def _offer_next(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, full_id: int
    ) -> list[EventType]:
        audience = audience_of(tracker) or "candidates"
        try:
            sessions = await upcoming(audience)
        except ApiError:
            return []
        following = [w for w in sessions if w.id != full_id and w.seats_left > 0]
        if not following:
            dispatcher.utter_message(response="utter_workshops_none")
            return []
        dispatcher.utter_message(response="utter_workshop_next_offer")
        show_workshop(dispatcher, following[0])
        return []


class ValidateCancellationForm(BaseFormValidator):
    """The booking code to cancel."""

    hints: ClassVar[Mapping[str, str]] = {"registration_reference": "utter_hint_reference"}

    def name(self) -> str:
        return "validate_cancellation_form"

    async def extract_registration_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.reference_answer(tracker, "registration_reference")


class ActionCancelRegistration(Action):
    """Give the seat back."""

    def name(self) -> str:
        return "action_cancel_registration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = tracker.get_slot("registration_reference")
        if not isinstance(reference, str) or not reference:
            dispatcher.utter_message(response="utter_registration_not_found")
            return []
        try:
            await shared_client().cancel_registration(reference)
        except NotFound:
            dispatcher.utter_message(response="utter_registration_not_found")
            return [SlotSet("registration_reference", None)]
        except ApiError as exc:
            logger.info("cancellation failed: %s", exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        dispatcher.utter_message(
            response="utter_registration_cancelled", registration_reference=reference
        )
        return [SlotSet("registration_reference", None)]
