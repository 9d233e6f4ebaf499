# mypy: disallow-subclassing-any=False
"""Welcome: the language, EMILE in three lines, the privacy notice and the menu."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import entity_values, hinted_language, language_asked_for


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
                dispatcher.utter_message(response="utter_ask_language")
                return []
            # The channel says which language the phone uses: welcome in it (the menu
            # offers to change it).
            return [SlotSet("language", hint), *welcome(dispatcher, hint)]
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
            dispatcher.utter_message(response="utter_ask_language")
            return []
        events: list[EventType] = [SlotSet("language", language)]
        in_form = bool((tracker.active_loop or {}).get("name"))
        if not tracker.get_slot("welcomed") and not in_form:
            return [*events, *welcome(dispatcher, language)]
        dispatcher.utter_message(response="utter_language_changed", language=language)
        if not in_form:
            dispatcher.utter_message(response="utter_menu", language=language)
        return events


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
