# mypy: disallow-subclassing-any=False
"""What every flow of the action server shares: the person's language and channel, phone
numbers, the interruption rules of forms, and a base class for form validation.

Actions never write text: they name responses of domain.yml (`dispatcher.utter_message(
response=<name>, **values)`), and bot/nlg.py renders them in the conversation's language.
"""

from __future__ import annotations

import inspect
import logging
import re
import unicodedata
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.vocabulary import CHANNEL, LANGUAGE

logger = logging.getLogger(__name__)

REQUESTED_SLOT: Final = "requested_slot"
DEFAULT_LANGUAGE: Final = "fr"

# Intents that, during a form, are not an answer: the form lets them through (it is
# "rejected") and a rule answers them (data/rules.yml), then the form asks again.
INTERRUPTION_INTENTS: Final = frozenset(
    {
        "ask_why",
        "dont_know",
        "menu",
        "stop_form",
        "ask_program",
        "ask_cost",
        "ask_documents",
        "ask_housing",
        "ask_jobs",
        "ask_support",
        "ask_family",
        "ask_human",
        "ask_territories",
        "ask_territory_info",
        "ask_territory_for_trade",
        "ask_workshops",
        "cancel_registration",
        "check_eligibility",
        "check_status",
        "delete_my_data",
        "bot_challenge",
        "choose_language",
        "greet",
        "goodbye",
        "thank",
    }
)
# Below this confidence a typed message is read as an (unclear) answer, not a question.
INTERRUPTION_CONFIDENCE: Final = 0.6

# Channel names of Rasa connectors -> the API's Channel values.
_CHANNELS: Final[Mapping[str, str]] = {
    "rest": "rest",
    "telegram": "telegram",
    "sms": "sms",
    "twilio": "sms",
}


# ---------------------------------------------------------------- the person's context


def language_code(value: Any) -> str | None:
    """A supported language code from a slot or entity value ("en-GB" -> "en"), or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGE else None


def language_of(tracker: Tracker) -> str:
    """The conversation's language code (French when not chosen yet)."""
    return language_code(tracker.get_slot("language")) or DEFAULT_LANGUAGE


def language_asked_for(tracker: Tracker) -> str | None:
    """The supported language named in the latest message, if any.

    NLU may read a word it does not know ("Bench") as a language: only a language the
    assistant speaks counts.
    """
    for value in entity_values(tracker, "language"):
        code = language_code(value)
        if code is not None:
            return code
    return None


# Channel language codes that are another code here (Telegram gives "fa" for Persian).
_LANGUAGE_ALIASES: Final[Mapping[str, str]] = {"fa": "prs"}


def hinted_language(tracker: Tracker) -> str | None:
    """The language the channel suggests (Telegram's `language_code`), if the assistant
    speaks it fully (declared complete in locales/languages.yml); else None.

    Channels pass it as metadata `language_hint`, with every message and at session start.
    """
    from bot.i18n import load_languages

    session = tracker.get_slot("session_started_metadata")
    hints = [
        (tracker.latest_message.get("metadata") or {}).get("language_hint"),
        session.get("language_hint") if isinstance(session, dict) else None,
    ]
    complete = {language.code for language in load_languages().complete}
    for hint in hints:
        if isinstance(hint, str) and hint.strip():
            code = hint.strip().lower().replace("_", "-").split("-", 1)[0]
            code = _LANGUAGE_ALIASES.get(code, code)
            if code in complete:
                return code
    return None


def channel_of(tracker: Tracker) -> str:
    """The API's Channel value for the channel this conversation came through."""
    name = (tracker.get_latest_input_channel() or "rest").lower()
    for key, channel in _CHANNELS.items():
        if key in name:
            return channel if channel in CHANNEL else "rest"
    return "rest"


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    """The latest message's intent and its confidence."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    return (name if isinstance(name, str) else None), (
        float(confidence) if isinstance(confidence, (int, float)) else 0.0
    )


def latest_text(tracker: Tracker) -> str:
    """What the person last wrote ("" for none)."""
    text = tracker.latest_message.get("text")
    return text.strip() if isinstance(text, str) else ""


def is_payload(text: str) -> bool:
    """Whether a message is a button payload (`/intent{...}`), not typed text."""
    return text.startswith("/")


def entity_values(tracker: Tracker, entity: str) -> list[Any]:
    """Every value of one entity type in the latest message, in order."""
    entities = tracker.latest_message.get("entities") or []
    return [e.get("value") for e in entities if e.get("entity") == entity]


def answered_just_now(tracker: Tracker, form_name: str) -> bool:
    """Whether the form runs right after a message of the person.

    A form also runs when it is activated and when it resumes after an interruption
    (a question answered by a rule): then the latest message is not an answer.
    """
    seen_form = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "action":
            name = event.get("name")
            # Rasa adds `ActionExecuted(<form>)` to the tracker it sends the validator.
            if name == form_name and not seen_form:
                seen_form = True
                continue
            # Anything else ran since the message (an answer to a question, activation).
            return bool(name == "action_listen")
        if kind == "user":
            return True
        if kind in ("bot", "session_started", "restart"):
            return False
        # slot, active_loop, action_execution_rejected, loop_interrupted…: look further.
    return False


def is_interruption(tracker: Tracker) -> bool:
    """Whether the latest message asks something else rather than answering."""
    intent, confidence = latest_intent(tracker)
    if intent not in INTERRUPTION_INTENTS:
        return False
    return is_payload(latest_text(tracker)) or confidence >= INTERRUPTION_CONFIDENCE


def has_response(domain: DomainDict, name: str) -> bool:
    """Whether domain.yml defines this response."""
    return name in (domain.get("responses") or {})


# ---------------------------------------------------------------- phone numbers and e-mail

_E164: Final = re.compile(r"\+[1-9][0-9]{7,14}")
_FRENCH_NATIONAL: Final = re.compile(r"0[1-9][0-9]{8}")
_FRENCH_E164: Final = re.compile(r"\+33[1-9][0-9]{8}")
_PHONE_SEPARATORS: Final = re.compile(r"[\s.\-/()]")
_PHONE_IN_TEXT: Final = re.compile(r"(?:\+|00)?[\d٠-٩۰-۹][\d٠-٩۰-۹\s.\-/()]{6,22}[\d٠-٩۰-۹]")
_EMAIL: Final = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}"
)


def normalise_phone(raw: str) -> str | None:
    """The E.164 form of a phone number (as the API stores it), or None if it is not one.

    French national numbers (06 12 34 56 78) get +33; Arabic-Indic and Persian digits
    count; "00" is "+". Same rules as the API's `normalise_phone`.
    """
    digits = []
    for ch in _PHONE_SEPARATORS.sub("", raw.replace("(0)", "")):
        decimal = unicodedata.decimal(ch, None)
        digits.append(str(decimal) if decimal is not None else ch)
    number = "".join(digits)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif _FRENCH_NATIONAL.fullmatch(number):
        number = "+33" + number[1:]
    if number.startswith("+330"):
        number = "+33" + number[4:]
    if not _E164.fullmatch(number):
        return None
    if number.startswith("+33") and not _FRENCH_E164.fullmatch(number):
        return None
    return number


def find_phone(text: str) -> str | None:
    """The first phone number written in `text`, normalised, or None."""
    for match in _PHONE_IN_TEXT.finditer(text):
        number = normalise_phone(match.group(0))
        if number:
            return number
    return normalise_phone(text)


def find_email(text: str) -> str | None:
    """The first e-mail address written in `text` (domain lower-cased), or None."""
    match = _EMAIL.search(text)
    if not match:
        return None
    local, _, domain = match.group(0).rpartition("@")
    return f"{local}@{domain.lower()}"


def channel_phone(tracker: Tracker) -> str | None:
    """The person's phone number as the channel knows it (SMS), or None.

    Channels pass it as message metadata `phone`; an SMS conversation's sender id is the
    number itself. A Telegram chat id is digits too, so the sender id counts only for SMS.
    """
    sources: list[Any] = [
        (tracker.latest_message.get("metadata") or {}).get("phone"),
        (tracker.get_slot("session_started_metadata") or {}).get("phone")
        if isinstance(tracker.get_slot("session_started_metadata"), dict)
        else None,
    ]
    if channel_of(tracker) == "sms":
        sources.append(tracker.sender_id)
    for source in sources:
        if isinstance(source, str):
            number = normalise_phone(source.removeprefix("whatsapp:"))
            if number:
                return number
    return None


# ---------------------------------------------------------------- names and codes

_NAME: Final = re.compile(r"^[^\W\d_]+(?:[\s'’.-]+[^\W\d_]+){0,4}\.?$")
_REFERENCE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NOT_A_NAME_INTENTS: Final = frozenset({"affirm", "deny", "dont_know"}) | INTERRUPTION_INTENTS


def clean_name(text: str) -> str | None:
    """A person's name from what they typed (letters, spaces, hyphens), or None."""
    name = " ".join(text.split()).strip(" .,;:!?")
    if not 1 <= len(name) <= 100 or not _NAME.match(name):
        return None
    return name


def _as_code(candidate: str) -> str | None:
    code = "".join(ch for ch in candidate.upper() if ch not in " -_.")
    if len(code) == 6 and all(ch in _REFERENCE_ALPHABET for ch in code):
        return code
    return None


def find_reference(text: str) -> str | None:
    """A 6-character reference code (K7P4XM) from what the person typed, or None.

    The whole message when it is a code ("k7p 4xm" too); else, in a sentence, one to three
    neighbouring words that make six characters with a digit, or written in capitals
    (codes may have no digit, and "cancel" or "please" are six letters long).
    """
    whole = _as_code(text.strip())
    if whole:
        return whole
    tokens = re.findall(r"[A-Za-z0-9]+", text)
    windows = ["".join(tokens[i : i + n]) for n in (1, 2, 3) for i in range(len(tokens) - n + 1)]
    for window in windows:
        if any(ch.isdigit() for ch in window) and (code := _as_code(window)):
            return code
    for window in windows:
        if window.isupper() and (code := _as_code(window)):
            return code
    return None


# ---------------------------------------------------------------- forms


def slot_events(events: Iterable[EventType]) -> dict[str, Any]:
    """The slots set by a list of events (last value wins)."""
    return {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}


class BaseFormValidator(FormValidationAction):
    """Form validation with the behaviour every form of the assistant shares.

    - A question or a request in the middle of a form (INTERRUPTION_INTENTS) is not taken
      as an answer: nothing is extracted, the form is rejected and a rule answers, then the
      form asks its question again.
    - An answer that says nothing the question can use gets the slot's hint (`hints`, else
      `utter_hint_choice`) and the question again, rather than being silently ignored.
    """

    # Response uttered when the answer to a slot cannot be used.
    hints: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def name(self) -> str:
        """`validate_<form>` (abstract, so that the action server does not register this)."""

    def hint_for(self, slot: str) -> str:
        """The hint response for one slot."""
        return self.hints.get(slot, "utter_hint_choice")

    def reference_answer(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        """`{slot: code}` when the person just answered `slot` with a reference code."""
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            return {}
        if not answered_just_now(tracker, self.form_name()) or is_interruption(tracker):
            return {}
        code = find_reference(latest_text(tracker))
        return {slot: code} if code else {}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate the slots just set, as rasa-sdk does, but not those just emptied.

        Rasa hands the validator every slot set since the person's last message, resets
        included (starting the questions again sets them to None): an empty slot is no
        answer, so it is not validated and gets no hint.
        """
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        slots: dict[str, Any] = {}
        for name, value in tracker.slots_to_validate().items():
            if name not in required:
                continue
            slots[name] = value
            validate = getattr(self, f"validate_{name.replace('-', '_')}", None)
            if value is None or validate is None:
                continue
            output = validate(value, dispatcher, tracker, domain)
            if inspect.isawaitable(output):
                output = await output
            if isinstance(output, dict):
                slots.update(output)
                tracker.slots.update(output)
        return [SlotSet(name, value) for name, value in slots.items()]

    def requested(self, tracker: Tracker) -> str | None:
        """The slot the form asked for, if the latest message answers it."""
        slot = tracker.get_slot(REQUESTED_SLOT)
        if not isinstance(slot, str) or not answered_just_now(tracker, self.form_name()):
            return None
        return slot

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Extract and validate; give a hint when the answer was not understood."""
        requested = self.requested(tracker)
        interruption = is_interruption(tracker)
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        if requested is None or interruption:
            return events
        filled = {k for k in slot_events(events) if k != REQUESTED_SLOT}
        if filled:
            return events
        dispatcher.utter_message(response=self.hint_for(requested))
        return [*events, SlotSet(requested, None)]
