# mypy: disallow-subclassing-any=False
"""The application: consent first, then name, phone (offered from the channel), optional
e-mail; sent through the durable outbox, with the reference code when the API answers."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_intent_word
from actions.api_client import APPLICATION_QUOTA
from actions.base import (
    REQUESTED_SLOT,
    BaseFormValidator,
    answered_just_now,
    channel_of,
    channel_phone,
    clean_name,
    find_email,
    find_phone,
    is_payload,
    language_asked_for,
    language_of,
    latest_intent,
    latest_text,
    normalise_phone,
    not_a_name_intent,
)
from actions.eligibility import default_rules, evaluate
from actions.eligibility_form import answers_from_slots
from actions.outbox import DELIVERED, FAILED, PENDING, InvalidPayload, start_outbox
from actions.territories import active_territories

logger = logging.getLogger(__name__)

FORM: Final = "application_form"
PHONE_DECLINED: Final = "declined"
# One idempotency key per conversation and consent: a retried submit sends the same key.
_KEY_NAMESPACE: Final = uuid.UUID("6f1d8f2e-5c3b-4f0e-9a57-e1d1e0c0a001")
# A typed name is taken for a question only when the NLU is this sure (names are unusual
# words: "Hope", "Amine" could be read as anything with a low confidence).
NAME_INTERRUPTION_CONFIDENCE: Final = 0.9
# A compound name, every part capitalised ("Ben-Salah", "Multi-Sms-Cv"), is a question only
# when the NLU is all but certain: one of its parts can be a word the model knows well
# ("Cv" read as ask_documents at 0.91 once Arabic, Dari and Pashto data named the CV).
COMPOUND_NAME_INTERRUPTION_CONFIDENCE: Final = 0.98
_COMPOUND_NAME: Final = re.compile(r"[^\W\d_][^\W\d_'’]*(?:[ '’-]+[^\W\d_][^\W\d_'’]*)+")
YES_NO_INTENTS: Final = frozenset({"affirm", "deny", "dont_know"})


@dataclass(frozen=True)
class ApplicationState:
    """What the conversation knows about the person's application."""

    reference: str | None = None
    pending: bool = False
    failed: bool = False
    # Slot updates learnt on the way (a reference that arrived since).
    events: list[EventType] = field(default_factory=list)


async def application_state(tracker: Tracker) -> ApplicationState:
    """The person's application: delivered (reference), waiting in the outbox, or none."""
    reference = tracker.get_slot("application_reference")
    if isinstance(reference, str) and reference:
        return ApplicationState(reference=reference)
    key = tracker.get_slot("application_key")
    if not isinstance(key, str) or not key:
        return ApplicationState()
    service = await start_outbox()
    status = service.outbox.status(key)
    if status is None:
        # Erased, or the outbox file was replaced: nothing waits any more.
        return ApplicationState(events=[SlotSet("application_key", None)])
    if status.state == DELIVERED and status.reference:
        return ApplicationState(
            reference=status.reference,
            events=[SlotSet("application_reference", status.reference)],
        )
    if status.state == FAILED:
        return ApplicationState(failed=True)
    return ApplicationState(pending=True)


def application_key(tracker: Tracker) -> str:
    """The Idempotency-Key of this conversation's application (stable for one consent)."""
    existing = tracker.get_slot("application_key")
    if isinstance(existing, str) and existing:
        return existing
    consent_at = tracker.get_slot("consent_at") or ""
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{tracker.sender_id}\n{consent_at}"))


def build_payload(tracker: Tracker) -> dict[str, Any]:
    """The body of POST /applications from the conversation's slots."""
    answers = answers_from_slots(tracker.slots)
    verdict = evaluate(answers_from_slots(tracker.slots, for_rules=True), default_rules())
    email = tracker.get_slot("email")
    preferences = tracker.get_slot("territory_preferences") or []
    return {
        "first_name": tracker.get_slot("first_name"),
        "last_name": tracker.get_slot("last_name"),
        "phone": tracker.get_slot("phone"),
        "email": email or None,
        "language": language_of(tracker),
        "channel": channel_of(tracker),
        "consent_at": tracker.get_slot("consent_at") or datetime.now(timezone.utc).isoformat(),
        "answers": answers,
        "territory_preferences": [p for p in preferences if isinstance(p, str)],
        "verdict": verdict.as_payload(),
    }


def _typed_name(tracker: Tracker) -> str | None:
    """The name typed in the latest message, unless it is plainly something else."""
    text = latest_text(tracker)
    intent, confidence = latest_intent(tracker)
    if is_payload(text):
        return None
    if intent == "choose_language" and language_asked_for(tracker) is None:
        # A name NLU mistook for a language ("Bench"): a name all the same.
        return clean_name(text)
    if intent in YES_NO_INTENTS:
        if is_intent_word(text, intent):
            return None  # "oui", "no", "jsp": an answer, not a name
        if len(text.split()) == 1:
            # One word not among the yes/no words: a name the model took for one ("John"
            # read as affirm at 0.95 once the model learnt nine languages).
            return clean_name(text)
    if not_a_name_intent(intent) and confidence >= _interruption_confidence(text):
        return None
    return clean_name(text)


def _interruption_confidence(text: str) -> float:
    """How sure the NLU must be to take a typed name for something else."""
    words = re.split(r"[ '’-]+", text.strip())
    if _COMPOUND_NAME.fullmatch(text.strip()) and all(w[:1].isupper() for w in words):
        return COMPOUND_NAME_INTERRUPTION_CONFIDENCE
    return NAME_INTERRUPTION_CONFIDENCE


class PhoneFormValidator(BaseFormValidator):
    """A form that asks for the `phone` slot (application, status, callback)."""

    async def extract_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != "phone":
            return {}
        if not answered_just_now(tracker, self.form_name()):
            return {}
        intent, _confidence = latest_intent(tracker)
        offer = tracker.get_slot("phone_offer")
        if isinstance(offer, str) and offer != PHONE_DECLINED:
            if intent == "affirm":
                return {"phone": offer}
            if intent == "deny":
                # Only required slots survive validation: the refusal travels in `phone`.
                return {"phone": PHONE_DECLINED}
        text = latest_text(tracker)
        if is_payload(text):
            return {}
        number = find_phone(text)
        return {"phone": number} if number else {}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == PHONE_DECLINED:
            # The offered number is not theirs: ask for another one, without a hint.
            return {"phone": None, "phone_offer": PHONE_DECLINED}
        number = normalise_phone(value) if isinstance(value, str) else None
        if number is None:
            dispatcher.utter_message(response="utter_hint_phone")
        return {"phone": number}


class ValidateApplicationForm(PhoneFormValidator):
    """Consent, then the contact details; no consent, nothing more is asked."""

    hints: ClassVar[Mapping[str, str]] = {
        "consent_given": "utter_hint_yes_no",
        "first_name": "utter_hint_name",
        "last_name": "utter_hint_name",
        "phone": "utter_hint_phone",
        "email": "utter_hint_email",
    }

    def name(self) -> str:
        return "validate_application_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("consent_given") is False:
            return ["consent_given"]  # Nothing is collected without consent.
        return list(domain_slots)

    def validate_consent_given(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {
                "consent_given": True,
                "consent_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
        if value is False:
            return {"consent_given": False, "consent_at": None}
        dispatcher.utter_message(response="utter_hint_yes_no")
        return {"consent_given": None}

    async def extract_first_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract_name("first_name", tracker)

    async def extract_last_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract_name("last_name", tracker)

    def _extract_name(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            return {}
        if not answered_just_now(tracker, self.form_name()):
            return {}
        name = _typed_name(tracker)
        return {slot: name} if name else {}

    async def extract_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != "email":
            return {}
        if not answered_just_now(tracker, self.form_name()):
            return {}
        intent, _confidence = latest_intent(tracker)
        text = latest_text(tracker)
        email = find_email(text)
        if email:
            return {"email": email}
        if intent in ("deny", "dont_know"):
            return {"email": ""}  # No e-mail: an empty answer fills the slot.
        return {}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == "":
            return {"email": ""}
        email = find_email(value) if isinstance(value, str) else None
        if email is None:
            dispatcher.utter_message(response="utter_hint_email")
        return {"email": email}


class ActionAskPhone(Action):
    """Ask for a phone number, or offer the one the channel gave for confirmation."""

    def name(self) -> str:
        return "action_ask_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offer = tracker.get_slot("phone_offer")
        events: list[EventType] = []
        if offer is None:
            offer = channel_phone(tracker)
            if offer:
                events.append(SlotSet("phone_offer", offer))
        if isinstance(offer, str) and offer != PHONE_DECLINED:
            dispatcher.utter_message(response="utter_ask_phone_confirm", phone_offer=offer)
        else:
            dispatcher.utter_message(response="utter_ask_phone")
        return events


class ActionAskTerritoryPreferences(Action):
    """Ask for preferred territories, with one button per active territory."""

    def name(self) -> str:
        return "action_ask_territory_preferences"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        territories = await active_territories(language_of(tracker))
        buttons = [
            {"title": t.name, "payload": "/inform" + json.dumps({"territory": t.code})}
            for t in territories or ()
        ]
        # `choices`, not `buttons`: the NLG adds them after the response's own, so that they
        # are numbered with them when the question is asked again (bot/nlg.py).
        dispatcher.utter_message(response="utter_ask_territory_preferences", choices=buttons)
        return []


class ActionSubmitApplication(Action):
    """Send the application (outbox first), then say truthfully where it stands."""

    def name(self) -> str:
        return "action_submit_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("consent_given") is not True:
            dispatcher.utter_message(response="utter_no_consent")
            return []
        state = await application_state(tracker)
        if state.reference:
            dispatcher.utter_message(
                response="utter_already_applied", application_reference=state.reference
            )
            return list(state.events)
        if state.pending:
            dispatcher.utter_message(response="utter_already_applied_pending")
            return list(state.events)
        key = application_key(tracker)
        try:
            service = await start_outbox()
            key, status = await service.submit(build_payload(tracker), key)
        except InvalidPayload:
            logger.exception("application of %s cannot be sent", key)
            dispatcher.utter_message(response="utter_application_failed")
            return []
        except Exception:
            # Not stored (disk, database): say so; the person can try again.
            logger.exception("application of %s not stored", key)
            dispatcher.utter_message(response="utter_application_failed")
            return []
        events: list[EventType] = [SlotSet("application_key", key)]
        if status is not None and status.state == DELIVERED and status.reference:
            dispatcher.utter_message(
                response="utter_application_sent", application_reference=status.reference
            )
            dispatcher.utter_message(response="utter_next_steps")
            return [*events, SlotSet("application_reference", status.reference)]
        if status is None or status.state == PENDING:
            # Stored durably: it will be delivered; no reference can be promised yet.
            dispatcher.utter_message(response="utter_application_saved")
            dispatcher.utter_message(response="utter_next_steps")
            return events
        if status.error_code == APPLICATION_QUOTA:
            # Trying again cannot help: the phone already made as many as the API accepts.
            dispatcher.utter_message(response="utter_application_quota")
            return events
        # Refused for good by the API (kept in the outbox for an administrator).
        dispatcher.utter_message(response="utter_application_failed")
        return events


def _attach_outbox_to_action_server() -> None:
    """Run the outbox worker with the action server (`rasa run actions`), if this is one.

    The action server creates its Sanic app ("rasa_sdk") before importing the actions, so
    applications left pending by an earlier run are delivered as soon as it starts.
    """
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")
    except Exception:
        return  # Imported by tests or tools: no action server here.
    if getattr(app.ctx, "emile_outbox_attached", False):
        return
    app.ctx.emile_outbox_attached = True
    from actions.outbox import attach_to_sanic

    attach_to_sanic(app)


_attach_outbox_to_action_server()
