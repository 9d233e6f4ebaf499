# mypy: disallow-subclassing-any=False
"""Welcome: the language, EMILE in three lines, the privacy notice and the menu."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    entity_values,
    hinted_language,
    language_asked_for,
    language_of,
    language_source_events,
)
from common.languages import load_languages

LANGUAGE_PLAN = "language_plan"  # bot/conversation_language.py PLAN_KEY
OFFERED_SLOT = "languages_offered"


def language_button(code: str) -> dict[str, str]:
    """A button that picks a language, titled with the language's name in its own script."""
    name = load_languages().by_code[code].name
    return {"title": name, "payload": f'/choose_language{{"language":"{code}"}}'}


def ask_language(dispatcher: CollectingDispatcher, first: str | None = None) -> None:
    """The language menu: every complete language, `first` (the channel's hint) first."""
    codes = [language.code for language in load_languages().complete]
    codes.sort(key=lambda code: code != first)  # stable: the file's order otherwise
    dispatcher.utter_message(
        response="utter_ask_language", choices=[language_button(code) for code in codes]
    )


def welcome(dispatcher: CollectingDispatcher, language: str | None = None) -> list[EventType]:
    """The first welcome: what EMILE is, the privacy notice, the menu.

    `language` renders them in a language set by this very action (the NLG reads the slot
    as it was before the action's events, unless given the value).
    """
    values = {"language": language} if language else {}
    dispatcher.utter_message(response="utter_about_emile_short", **values)
    dispatcher.utter_message(response="utter_privacy", **values)
    dispatcher.utter_message(response="utter_menu", **values)
    return [SlotSet("welcomed", True)]


class ActionGreet(Action):
    """Hello: the language choice first, then the welcome; later, the menu."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("language") is None:
            hint = hinted_language(tracker)
            if hint is None:
                ask_language(dispatcher, _offered_or_hinted(tracker))
                return []
            # The channel says which language the phone uses: welcome in it (the menu
            # offers to change it).
            return [
                *language_source_events(hint, "hint"),
                *welcome(dispatcher, hint),
            ]
        if not tracker.get_slot("welcomed"):
            return welcome(dispatcher)
        dispatcher.utter_message(response="utter_greet_back")
        dispatcher.utter_message(response="utter_menu")
        return []


class ActionWelcome(Action):
    """A language chosen: the welcome the first time, else a confirmation (and the menu)."""

    def name(self) -> str:
        return "action_welcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_asked_for(tracker)
        if language is None:
            # "Change the language" without saying which (or a word NLU took for a
            # language): offer the choice.
            ask_language(dispatcher, _offered_or_hinted(tracker))
            return []
        events: list[EventType] = language_source_events(language, "choice")
        in_form = bool((tracker.active_loop or {}).get("name"))
        if not tracker.get_slot("welcomed") and not in_form:
            return [*events, *welcome(dispatcher, language)]
        dispatcher.utter_message(response="utter_language_changed", language=language)
        if not in_form:
            dispatcher.utter_message(response="utter_menu", language=language)
        return events


def _offered_or_hinted(tracker: Tracker) -> str | None:
    """The language the latest message seemed written in, or the channel's raw hint."""
    plan = tracker.latest_message.get(LANGUAGE_PLAN) or {}
    detected = plan.get("language") if isinstance(plan, dict) else None
    if isinstance(detected, str):
        return detected
    session = tracker.get_slot("session_started_metadata")
    hint = (tracker.latest_message.get("metadata") or {}).get("language_hint") or (
        session.get("language_hint") if isinstance(session, dict) else None
    )
    if isinstance(hint, str) and hint.strip():
        code = hint.strip().lower().replace("_", "-").split("-", 1)[0]
        return "prs" if code == "fa" else code
    return None


class ActionOfferLanguage(Action):
    """Asks once whether to go on in the language the person writes in, in both languages.

    Run by the Rasa server after a turn whose message bot/conversation_language.py planned
    to ask about (never predicted by a policy).
    """

    def name(self) -> str:
        return "action_offer_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        plan = tracker.latest_message.get(LANGUAGE_PLAN) or {}
        offered = plan.get("language") if isinstance(plan, dict) else None
        table = load_languages()
        complete = {language.code for language in table.complete}
        current = language_of(tracker)
        if offered not in complete or offered == current:
            return []
        name = table.by_code[offered].name
        # In the language they write in, then in the conversation's, with the two choices.
        dispatcher.utter_message(
            response="utter_offer_language", language=offered, offered_language_name=name
        )
        dispatcher.utter_message(
            response="utter_offer_language",
            language=current,
            offered_language_name=name,
            choices=[language_button(offered), language_button(current)],
        )
        already = tracker.get_slot(OFFERED_SLOT)
        asked = [*already] if isinstance(already, list) else []
        return [SlotSet(OFFERED_SLOT, [*asked, offered])]


class ActionShowMenu(Action):
    """The numbered menu, or its "common questions" part."""

    def name(self) -> str:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if "questions" in entity_values(tracker, "menu_section"):
            dispatcher.utter_message(response="utter_questions_menu")
        else:
            dispatcher.utter_message(response="utter_menu")
        return [SlotSet("menu_section", None)]
