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
from contextvars import ContextVar
from typing import Any, ClassVar, Final

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import SlotSpec, number_words, read_answer, shown_choices
from actions.vocabulary import ANSWER_CHOICES, CHANNEL, LANGUAGE, SECTOR
from common.conversation import interruption_intents
from common.languages import load_languages
from common.text import ascii_digits

logger = logging.getLogger(__name__)

REQUESTED_SLOT: Final = "requested_slot"
# {"slot": <slot>, "count": <answers not understood in a row>}: the repair of a question.
MISSES_SLOT: Final = "question_misses"
# Where the person is in the eligibility questions ("5/12").
QUESTION_NUMBER_SLOT: Final = "question_number"
QUESTION_COUNT_SLOT: Final = "question_count"
DEFAULT_LANGUAGE: Final = "fr"

# Below this confidence a typed message is read as an (unclear) answer, not a question.
INTERRUPTION_CONFIDENCE: Final = 0.6
# Below this confidence an intent typed ("zzz" read as "no" at 0.4) answers no question.
INTENT_ANSWER_CONFIDENCE: Final = 0.8

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
    assistant speaks counts (declared complete in locales/languages.yml, unless chosen by
    a payload).
    """
    complete = {language.code for language in load_languages().complete}
    # A payload (a button, or a tester's `/choose_language{...}`) may pick any declared
    # language; words read by NLU only a complete one: a language still being translated
    # would show half its messages in French.
    payload = str(tracker.latest_message.get("text") or "").startswith("/")
    for value in entity_values(tracker, "language"):
        code = language_code(value)
        if code is not None and (payload or code in complete):
            return code
    return None


def language_source_events(language: str, source: str) -> list[EventType]:
    """Set the conversation's language and who set it ("choice", "hint", "detected")."""
    return [SlotSet("language", language), SlotSet("language_source", source)]


# Channel language codes that are another code here (Telegram gives "fa" for Persian).
_LANGUAGE_ALIASES: Final[Mapping[str, str]] = {"fa": "prs"}


def hinted_language(tracker: Tracker) -> str | None:
    """The language the channel suggests (Telegram's `language_code`), if the assistant
    speaks it fully (declared complete in locales/languages.yml); else None.

    Channels pass it as metadata `language_hint`, with every message and at session start.
    """
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
    if intent not in interruption_intents():
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


def not_a_name_intent(intent: str | None) -> bool:
    """Whether an intent read in a reply to "your name?" means it is not a name."""
    return intent in ("affirm", "deny", "dont_know") or intent in interruption_intents()


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
    text = ascii_digits(text)  # K٧P٤XM: codes typed on an Arabic or Persian keyboard
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


# The latest reading of the validator running in this task: ((tracker id, text, slot), answer).
_READINGS: ContextVar[tuple[tuple[int, str, Any], tuple[str, Any] | None] | None] = ContextVar(
    "typed_answer_reading", default=None
)


def looks_like_a_question(text: str) -> bool:
    """Whether a message is written as a question ("c'est payant ?")."""
    return text.rstrip().endswith(("?", "؟"))


def _mapping_applies(mapping: Mapping[str, Any], form: str, slot: str) -> bool:
    conditions = mapping.get("conditions") or []
    if not conditions:
        return True
    return any(
        c.get("active_loop") == form and c.get("requested_slot") in (None, slot) for c in conditions
    )


class BaseFormValidator(FormValidationAction):
    """Form validation with the behaviour every form of the assistant shares.

    - While the form asks a slot, a typed message is first read as an answer to it
      (actions/answers.py: the choices shown, data/answers.yml, numbers), and only when
      nothing reads as an answer can it be a question or a request in the middle
      (data/form_interruptions.yml, confidently): then nothing is extracted, the form is rejected,
      a rule answers (data/rules_forms.yml) and the form asks its question again.
    - An answer that says nothing the question can use is repaired, not looped: the first
      time the expected answer is said in other words (`utter_rephrase_<slot>`, else the
      slot's hint) and the choices come back numbered; from the second time on a way out
      is offered too (`utter_way_out_*`: "I don't know", skip, or a person).
    """

    # Response uttered when the answer to a slot cannot be used.
    hints: ClassVar[Mapping[str, str]] = {}
    # Slots read as whole numbers: slot -> (smallest, largest).
    number_ranges: ClassVar[Mapping[str, tuple[int, int]]] = {}
    # Slots a person may skip (the way out says so).
    optional_slots: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def name(self) -> str:
        """`validate_<form>` (abstract, so that the action server does not register this)."""

    def hint_for(self, slot: str) -> str:
        """The hint response for one slot."""
        return self.hints.get(slot, "utter_hint_choice")

    # -- reading a typed answer

    def slot_spec(self, slot: str, domain: DomainDict) -> SlotSpec:
        """What the slot accepts, from the vocabulary and the domain's mappings."""
        definition = (domain.get("slots") or {}).get(slot) or {}
        intents: dict[str, Any] = {}
        entities: list[str] = []
        for mapping in definition.get("mappings") or []:
            if not _mapping_applies(mapping, self.form_name(), slot):
                continue
            if mapping.get("type") == "from_intent" and mapping.get("intent"):
                intents.setdefault(str(mapping["intent"]), mapping.get("value"))
            elif mapping.get("type") == "from_entity" and mapping.get("entity"):
                entities.append(str(mapping["entity"]))
        values: tuple[Any, ...] | None = ANSWER_CHOICES.get(slot)
        if slot == "sectors":
            values = SECTOR
        return SlotSpec(
            slot=slot,
            values=values,
            intents=intents,
            entities=tuple(entities),
            number_range=self.number_ranges.get(slot),
            many=definition.get("type") == "list",
        )

    def typed_answer(self, tracker: Tracker, domain: DomainDict) -> tuple[str, Any] | None:
        """(slot, value) when the latest message, typed, answers the question asked."""
        # Read once per call of the validator (`run` asks, then the extraction).
        key = (id(tracker), latest_text(tracker), tracker.get_slot(REQUESTED_SLOT))
        cached = _READINGS.get()
        if cached is not None and cached[0] == key:
            return cached[1]
        reading = self._read_typed_answer(tracker, domain)
        _READINGS.set((key, reading))
        return reading

    def _read_typed_answer(self, tracker: Tracker, domain: DomainDict) -> tuple[str, Any] | None:
        slot = self.requested(tracker)
        text = latest_text(tracker)
        if slot is None or not text or is_payload(text):
            return None
        spec = self.slot_spec(slot, domain)
        choices = shown_choices(tracker.events)
        answered, value = read_answer(text, spec, choices, number_words())
        if not answered:
            return None
        # "Can I come with my wife?" is a question, even if "wife" answers "how many adults".
        if looks_like_a_question(text) and is_interruption(tracker):
            return None
        return slot, value

    def is_interrupted(self, tracker: Tracker, domain: DomainDict) -> bool:
        """Whether the latest message is a question or request rather than an answer."""
        return self.typed_answer(tracker, domain) is None and is_interruption(tracker)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The custom extractions, then the typed answer to the question asked (it wins
        over what NLU extracted: the question decides how the message is read)."""
        events: list[EventType] = await super().get_extraction_events(dispatcher, tracker, domain)
        reading = self.typed_answer(tracker, domain)
        if reading is not None:
            slot, value = reading
            events.append(SlotSet(slot, value))
            tracker.slots[slot] = value
        elif self.guessed_from_intent(tracker, domain):
            # "zzz" read as "no" at 0.4: a guess is no answer (the repair follows).
            slot = str(tracker.get_slot(REQUESTED_SLOT))
            events.append(SlotSet(slot, None))
            tracker.slots[slot] = None
        return events

    def guessed_from_intent(self, tracker: Tracker, domain: DomainDict) -> bool:
        """Whether NLU answered the question from a typed message's intent, unsure of it.

        Rasa fills a slot from an intent (`from_intent`: "no" is 0 children) whatever the
        confidence; the answer words themselves are read by `typed_answer`.
        """
        slot = self.requested(tracker)
        text = latest_text(tracker)
        if slot is None or not text or is_payload(text):
            return False
        intent, confidence = latest_intent(tracker)
        spec = self.slot_spec(slot, domain)
        if intent not in spec.intents or confidence >= INTENT_ANSWER_CONFIDENCE:
            return False
        if any(entity_values(tracker, entity) for entity in (slot, *spec.entities)):
            return False
        return slot in tracker.slots_to_validate()

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

    # -- repair and progress

    def way_out(self, slot: str, domain: DomainDict) -> str:
        """The way out offered after two misses: "I don't know", skip, or a person."""
        if "dont_know" in self.slot_spec(slot, domain).intents:
            return "utter_way_out_dont_know"
        if slot in self.optional_slots:
            return "utter_way_out_skip"
        return "utter_way_out_person"

    def repair(
        self,
        slot: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        hinted: bool,
    ) -> list[EventType]:
        """What to say after an answer that could not be used; the misses counted."""
        previous = tracker.get_slot(MISSES_SLOT)
        count = 1
        if isinstance(previous, dict) and previous.get("slot") == slot:
            count = int(previous.get("count") or 0) + 1
        if count == 1 and not hinted:
            rephrase = f"utter_rephrase_{slot}"
            dispatcher.utter_message(
                response=rephrase if has_response(domain, rephrase) else self.hint_for(slot)
            )
        elif count >= 2:
            dispatcher.utter_message(response=self.way_out(slot, domain))
        return [SlotSet(slot, None), SlotSet(MISSES_SLOT, {"slot": slot, "count": count})]

    async def progress_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        events: list[EventType],
    ) -> list[EventType]:
        """Slots the next question shows (none by default; see the eligibility form)."""
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the answer, validate it; repair a miss; say where the person is."""
        requested = self.requested(tracker)
        interruption = requested is not None and self.is_interrupted(tracker, domain)
        uttered = len(dispatcher.messages)
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        if interruption:
            # No slot event at all: Rasa rejects the form and a rule answers.
            return events
        set_now = slot_events(events)
        extra: list[EventType] = []
        if requested is not None:
            others = {k for k in set_now if k not in (REQUESTED_SLOT, requested)}
            if set_now.get(requested) is None and not others:
                hinted = len(dispatcher.messages) > uttered
                extra = self.repair(requested, dispatcher, tracker, domain, hinted)
            elif set_now.get(requested) is not None and tracker.get_slot(MISSES_SLOT):
                extra = [SlotSet(MISSES_SLOT, None)]
        events = [*events, *extra]
        return [*events, *await self.progress_events(dispatcher, tracker, domain, events)]
