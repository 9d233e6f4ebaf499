# mypy: disallow-subclassing-any=False
"""Host territories: the list, one territory's details, and the territories hiring in a trade."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, NotFound, Territory, shared_client
from actions.base import entity_values, language_of
from actions.vocabulary import SECTOR

logger = logging.getLogger(__name__)

# The catalogue changes rarely: the active codes are kept this long between API calls.
CODES_TTL_S: Final = 300.0
_codes_cache: dict[str, tuple[float, frozenset[str], tuple[Territory, ...]]] = {}


async def active_territories(language: str) -> tuple[Territory, ...] | None:
    """The active territories (texts in `language`), or None when the API does not answer."""
    cached = _codes_cache.get(language)
    now = time.monotonic()
    if cached and now - cached[0] < CODES_TTL_S:
        return cached[2]
    try:
        territories = tuple(await shared_client().list_territories(language, active=True))
    except ApiError as exc:
        logger.info("territories unavailable: %s", exc)
        return cached[2] if cached else None
    _codes_cache[language] = (now, frozenset(t.code for t in territories), territories)
    return territories


async def active_territory_codes(language: str) -> frozenset[str] | None:
    """Codes of the active territories, or None when the API does not answer."""
    territories = await active_territories(language)
    return None if territories is None else frozenset(t.code for t in territories)


def clear_cache() -> None:
    """Forget the cached catalogue (tests)."""
    _codes_cache.clear()


def territory_buttons(territories: Any) -> list[dict[str, str]]:
    """One button per territory: its name (a proper noun, from the API) and its details."""
    return [
        {
            "title": t.name,
            "payload": "/ask_territory_info" + json.dumps({"territory": t.code}),
        }
        for t in territories
    ]


class ActionListTerritories(Action):
    """ "Where can I go?": the active host territories, each a button to its details."""

    def name(self) -> str:
        return "action_list_territories"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        territories = await active_territories(language_of(tracker))
        if not territories:
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        dispatcher.utter_message(
            response="utter_territory_list",
            territory_names=[t.name for t in territories],
            buttons=territory_buttons(territories),
        )
        return []


class ActionTerritoryInfo(Action):
    """One territory: towns, sectors hiring, housing, daily life, operator."""

    def name(self) -> str:
        return "action_territory_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        codes = [v for v in entity_values(tracker, "territory") if isinstance(v, str)]
        code = codes[0] if codes else tracker.get_slot("territory")
        if not isinstance(code, str) or not code.strip():
            return await ActionListTerritories().run(dispatcher, tracker, domain)
        try:
            territory = await shared_client().get_territory(code.strip().lower(), language)
        except NotFound:
            dispatcher.utter_message(response="utter_territory_unknown")
            return [
                SlotSet("territory", None),
                *await ActionListTerritories().run(dispatcher, tracker, domain),
            ]
        except ApiError as exc:
            logger.info("territory %s unavailable: %s", code, exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        if not territory.active:
            dispatcher.utter_message(response="utter_territory_inactive", name=territory.name)
            return [SlotSet("territory", territory.code)]
        dispatcher.utter_message(
            response="utter_territory_details",
            name=territory.name,
            department_code=territory.department_code,
            region=territory.region,
            towns=list(territory.main_towns),
            sectors=list(territory.sectors_hiring),
        )
        if territory.housing:
            dispatcher.utter_message(response="utter_territory_housing", housing=territory.housing)
        if territory.daily_life:
            dispatcher.utter_message(
                response="utter_territory_daily_life", daily_life=territory.daily_life
            )
        if territory.operator_name:
            dispatcher.utter_message(
                response="utter_territory_operator", operator_name=territory.operator_name
            )
        return [SlotSet("territory", territory.code)]


class ActionTerritoriesForTrade(Action):
    """ "Which territories need my trade?": active territories hiring in the sector."""

    def name(self) -> str:
        return "action_territories_for_trade"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sectors = [v for v in entity_values(tracker, "sector") if v in SECTOR]
        sector = sectors[0] if sectors else tracker.get_slot("sector")
        if sector not in SECTOR or sector == "other":
            dispatcher.utter_message(response="utter_ask_trade_for_territories")
            return []
        try:
            territories = await shared_client().list_territories(
                language_of(tracker), sector=sector, active=True
            )
        except ApiError as exc:
            logger.info("territories for %s unavailable: %s", sector, exc)
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        if not territories:
            dispatcher.utter_message(response="utter_territories_for_trade_none", sector=sector)
            return [SlotSet("sector", sector)]
        dispatcher.utter_message(
            response="utter_territories_for_trade",
            sector=sector,
            territory_names=[t.name for t in territories],
            buttons=territory_buttons(territories),
        )
        return [SlotSet("sector", sector)]
