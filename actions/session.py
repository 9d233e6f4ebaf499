# mypy: disallow-subclassing-any=False
"""A new session (the person comes back after a while): keep everything, say welcome back,
and pick up the question the person stopped at."""

from __future__ import annotations

from typing import Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import REQUESTED_SLOT, hinted_language, language_source_events

# Slots that describe a moment, not the person: not carried into a new session.
NOT_CARRIED: Final = frozenset({REQUESTED_SLOT, "menu_section", "session_started_metadata"})
# Questions asked by a custom action rather than by their `utter_ask_<slot>` response.
ASK_ACTIONS: Final = {"phone", "territory_preferences", "organisation"}


async def ask_again(
    slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[EventType]:
    """Ask the question of `slot` again, the way its form asks it."""
    if slot == "phone":
        from actions.application import ActionAskPhone

        return await ActionAskPhone().run(dispatcher, tracker, domain)
    if slot == "territory_preferences":
        from actions.application import ActionAskTerritoryPreferences

        return await ActionAskTerritoryPreferences().run(dispatcher, tracker, domain)
    if slot == "organisation":
        from actions.workshops import ActionAskOrganisation

        return await ActionAskOrganisation().run(dispatcher, tracker, domain)
    response = f"utter_ask_{slot}"
    if response in (domain.get("responses") or {}):
        dispatcher.utter_message(response=response)
    return []


class ActionSessionStart(Action):
    """Start a session that keeps the conversation's slots and any form in progress."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        carried: dict[str, Any] = {
            name: value
            for name, value in tracker.slots.items()
            if value is not None and name not in NOT_CARRIED
        }
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in carried.items()]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata is not None:
            events.append(SlotSet("session_started_metadata", metadata))
        if tracker.get_slot("language") is None:
            # Not chosen yet: the channel's hint (Telegram's language code), if we speak it.
            hint = hinted_language(tracker)
            if hint:
                events += language_source_events(hint, "hint")

        form = (tracker.active_loop or {}).get("name")
        requested = tracker.get_slot(REQUESTED_SLOT)
        if form and isinstance(requested, str):
            # Come back to the question the person stopped at.
            dispatcher.utter_message(response="utter_welcome_back_resume")
            events += [ActiveLoop(form), SlotSet(REQUESTED_SLOT, requested)]
            events += await ask_again(requested, dispatcher, tracker, domain)
        elif tracker.get_slot("welcomed"):
            dispatcher.utter_message(response="utter_welcome_back")
        events.append(ActionExecuted("action_listen"))
        return events
