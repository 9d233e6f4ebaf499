# mypy: disallow-subclassing-any=False
"""The eligibility questions: starting or resuming them, validating every answer, and the
answers to "why do you ask?" and "I don't know" in the middle of any form."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import number_words
from actions.base import (
    QUESTION_COUNT_SLOT,
    QUESTION_NUMBER_SLOT,
    REQUESTED_SLOT,
    BaseFormValidator,
    has_response,
    language_of,
)
from actions.eligibility import NOT_ELIGIBLE, default_rules, evaluate
from actions.territories import active_territory_codes
from actions.vocabulary import ANSWER_CHOICES, DONT_KNOW, SECTOR
from common.text import normalise

logger = logging.getLogger(__name__)

FORM: Final = "eligibility_form"

# Slot of the form -> field of the API's `answers` (the rules use the same names).
ANSWER_SLOTS: Final[Mapping[str, str]] = {
    "residence_area": "residence_area",
    "housing_situation": "housing_situation",
    "right_to_work": "right_to_work",
    "work_situation": "work_situation",
    "ready_to_move": "ready_to_move",
    "adults": "adults",
    "children": "children",
    "sectors": "trades",
    "experience_years": "experience_years",
    "driving_licence": "driving_licence",
    "french_level": "french_level",
}
FORM_SLOTS: Final = (*ANSWER_SLOTS, "territory_preferences")
# Whole numbers: slot -> (smallest, largest) accepted answer.
NUMBER_RANGES: Final[Mapping[str, tuple[int, int]]] = {
    "adults": (1, 10),
    "children": (0, 15),
    "experience_years": (0, 60),
}
# Numbers a person may not know (docs/api-contract.md: null, and the verdict is to_review).
UNKNOWN_NUMBERS: Final = frozenset({"adults", "children"})
# What the form resets when the person starts the questions again.
RESET_SLOTS: Final = (*FORM_SLOTS, "verdict", "verdict_reasons", "rules_version")
_DIGITS: Final = re.compile(r"\d+")


def parse_number(value: Any, language: str | None = None) -> int | None:
    """A whole number from a slot value or a message: 2, 2.0, "2", "٢", "deux", "2 enfants"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, list):
        for item in value:
            number = parse_number(item, language)
            if number is not None:
                return number
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    ascii_digits = "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in text
    )
    match = _DIGITS.search(ascii_digits)
    if match:
        return int(match.group(0))
    tables = number_words()
    languages = [language] if language is not None and language in tables else []
    languages += [lang for lang in tables if lang not in languages]
    words = normalise(text).split()
    for lang in languages:
        for word in words:
            if word in tables[lang]:
                return tables[lang][word]
    return None


def answers_from_slots(slots: Mapping[str, Any], *, for_rules: bool = False) -> dict[str, Any]:
    """The `answers` object of an application from the form's slots.

    A household size the person did not know is null for the API; `for_rules` keeps it as
    "dont_know", which the eligibility rules send to review (a missing answer would not).
    """
    answers: dict[str, Any] = {}
    for slot, field in ANSWER_SLOTS.items():
        value = slots.get(slot)
        if slot in UNKNOWN_NUMBERS and value == DONT_KNOW:
            value = DONT_KNOW if for_rules else None
        elif slot in NUMBER_RANGES:
            value = parse_number(value)
        elif slot == "sectors":
            value = [v for v in (value or []) if v in SECTOR]
        answers[field] = value
    return answers


def _first_allowed(value: Any, allowed: tuple[str, ...]) -> str | None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, str) and item in allowed:
            return item
    return None


class ActionStartEligibility(Action):
    """ "Am I eligible?": start the questions, resume them, or say where the person stands."""

    def name(self) -> str:
        return "action_start_eligibility"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from actions.application import application_state

        state = await application_state(tracker)
        if state.reference:
            dispatcher.utter_message(
                response="utter_already_applied", application_reference=state.reference
            )
            return [*state.events, FollowupAction("action_listen")]
        if state.pending:
            dispatcher.utter_message(response="utter_already_applied_pending")
            return [*state.events, FollowupAction("action_listen")]
        verdict = tracker.get_slot("verdict")
        if verdict in ("eligible", "to_review"):
            # The questions are done: go on with the application where it stopped.
            events: list[EventType] = [*state.events]
            if tracker.get_slot("consent_given") is False:
                events.append(SlotSet("consent_given", None))
            dispatcher.utter_message(response="utter_eligibility_resume")
            return [*events, FollowupAction("application_form")]
        if verdict == NOT_ELIGIBLE:
            dispatcher.utter_message(response="utter_eligibility_restart")
            return [*state.events, *(SlotSet(slot, None) for slot in RESET_SLOTS)]
        if any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS):
            dispatcher.utter_message(response="utter_eligibility_resume")
        else:
            dispatcher.utter_message(response="utter_eligibility_intro")
        return list(state.events)


class ValidateEligibilityForm(BaseFormValidator):
    """Checks every answer of the eligibility questions; impossible ones are asked again."""

    number_ranges: ClassVar[Mapping[str, tuple[int, int]]] = NUMBER_RANGES
    hints: ClassVar[Mapping[str, str]] = {
        "adults": "utter_hint_adults",
        "children": "utter_hint_children",
        "experience_years": "utter_hint_experience_years",
        "sectors": "utter_hint_sectors",
        "territory_preferences": "utter_hint_territory_preferences",
    }

    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Every question, but none after a decisive answer, and no years without a trade."""
        slots = list(domain_slots)
        answers = answers_from_slots(tracker.slots, for_rules=True)
        if evaluate(answers, default_rules()).result == NOT_ELIGIBLE:
            # No use asking more: stop at the questions already answered.
            return [slot for slot in slots if tracker.get_slot(slot) is not None]
        sectors = tracker.get_slot("sectors")
        if isinstance(sectors, list) and sectors and set(sectors) <= {"other"}:
            slots.remove("experience_years")
        return slots

    async def progress_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        events: list[EventType],
    ) -> list[EventType]:
        """The number of the question asked next and how many there are ("5/12")."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        # As Rasa picks it: the first required slot still empty.
        asked = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        if asked not in required:
            return []
        return [
            SlotSet(QUESTION_NUMBER_SLOT, required.index(asked) + 1),
            SlotSet(QUESTION_COUNT_SLOT, len(required)),
        ]

    # -- validation

    def _choice(self, slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        chosen = _first_allowed(value, ANSWER_CHOICES[slot])
        if chosen is None:
            dispatcher.utter_message(response=self.hint_for(slot))
        return {slot: chosen}

    def _number(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if slot in UNKNOWN_NUMBERS and value == DONT_KNOW:
            return {slot: DONT_KNOW}  # The team will ask; the verdict is "to review".
        number = parse_number(value, language_of(tracker))
        low, high = NUMBER_RANGES[slot]
        if number is None or not low <= number <= high:
            dispatcher.utter_message(response=self.hint_for(slot))
            return {slot: None}
        return {slot: number}

    def validate_residence_area(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("residence_area", value, dispatcher)

    def validate_housing_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("housing_situation", value, dispatcher)

    def validate_right_to_work(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("right_to_work", value, dispatcher)

    def validate_work_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("work_situation", value, dispatcher)

    def validate_ready_to_move(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("ready_to_move", value, dispatcher)

    def validate_driving_licence(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("driving_licence", value, dispatcher)

    def validate_french_level(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("french_level", value, dispatcher)

    def validate_adults(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("adults", value, dispatcher, tracker)

    def validate_children(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("children", value, dispatcher, tracker)

    def validate_experience_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("experience_years", value, dispatcher, tracker)

    def validate_sectors(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        values = value if isinstance(value, list) else [value]
        sectors = list(dict.fromkeys(v for v in values if isinstance(v, str) and v in SECTOR))
        if not sectors:
            dispatcher.utter_message(response=self.hint_for("sectors"))
            return {"sectors": None}
        return {"sectors": sectors}

    async def validate_territory_preferences(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        values = value if isinstance(value, list) else [value]
        codes = [v.strip().lower() for v in values if isinstance(v, str) and v.strip()]
        if not codes:
            return {"territory_preferences": []}  # No preference.
        known = await active_territory_codes(language_of(tracker))
        # The API does not answer: keep what the NLU recognised (catalogue codes only).
        chosen = codes if known is None else [code for code in codes if code in known]
        if not chosen:
            dispatcher.utter_message(response=self.hint_for("territory_preferences"))
            return {"territory_preferences": None}
        return {"territory_preferences": list(dict.fromkeys(chosen))}


class ActionExplainWhy(Action):
    """ "Why do you ask?" during any form: the reason for the question asked."""

    def name(self) -> str:
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        response = f"utter_why_{slot}"
        if not isinstance(slot, str) or not has_response(domain, response):
            response = "utter_why_generic"
        dispatcher.utter_message(response=response)
        return []


class ActionExplainDontKnow(Action):
    """ "I don't know" to a question that needs an answer: how to answer it anyway."""

    def name(self) -> str:
        return "action_explain_dont_know"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        response = f"utter_dont_know_{slot}"
        if not isinstance(slot, str) or not has_response(domain, response):
            response = "utter_dont_know_generic"
        dispatcher.utter_message(response=response)
        return []
