"""Territories: the list, one territory's details, and which territories need a trade."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.territories import (
    ActionListTerritories,
    ActionTerritoriesForTrade,
    ActionTerritoryInfo,
)
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    make_tracker,
    message,
    responses,
    slots_set,
)


async def run(action, **tracker_args):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**tracker_args), DOMAIN)
    return dispatcher, events


@pytest.mark.asyncio
async def test_the_list_has_the_active_territories_as_buttons(fake_api):
    dispatcher, _events = await run(ActionListTerritories(), slots={"language": "en"})
    sent = message(dispatcher, "utter_territory_list")
    assert sent["territory_names"] == ["Cantal", "Lozère"]
    assert [b["payload"] for b in sent["buttons"]] == [
        '/ask_territory_info{"territory": "cantal"}',
        '/ask_territory_info{"territory": "lozere"}',
    ]
    assert fake_api.requests[-1].url.params["lang"] == "en"


@pytest.mark.asyncio
async def test_one_territory_in_detail(fake_api):
    dispatcher, events = await run(
        ActionTerritoryInfo(),
        slots={"language": "en"},
        intent="ask_territory_info",
        entities=[{"entity": "territory", "value": "cantal"}],
    )
    assert responses(dispatcher) == [
        "utter_territory_details",
        "utter_territory_housing",
        "utter_territory_daily_life",
        "utter_territory_operator",
    ]
    details = message(dispatcher, "utter_territory_details")
    assert details["towns"] == ["Aurillac", "Saint-Flour"]
    assert details["sectors"] == ["transport_logistics", "building", "personal_care"]
    assert message(dispatcher, "utter_territory_housing")["housing"] == "Social housing."
    assert slots_set(events) == {"territory": "cantal"}


@pytest.mark.asyncio
async def test_a_territory_that_closed_says_so(fake_api):
    dispatcher, _ = await run(
        ActionTerritoryInfo(), entities=[{"entity": "territory", "value": "lot"}]
    )
    assert responses(dispatcher) == ["utter_territory_inactive"]


@pytest.mark.asyncio
async def test_an_unknown_territory_gives_the_list(fake_api):
    dispatcher, events = await run(
        ActionTerritoryInfo(), entities=[{"entity": "territory", "value": "atlantis"}]
    )
    assert responses(dispatcher) == ["utter_territory_unknown", "utter_territory_list"]
    assert slots_set(events)["territory"] is None


@pytest.mark.asyncio
async def test_no_territory_named_gives_the_list(fake_api):
    dispatcher, _ = await run(ActionTerritoryInfo(), intent="ask_territory_info")
    assert responses(dispatcher) == ["utter_territory_list"]


@pytest.mark.asyncio
async def test_territories_for_a_trade(fake_api):
    dispatcher, events = await run(
        ActionTerritoriesForTrade(), entities=[{"entity": "sector", "value": "personal_care"}]
    )
    sent = message(dispatcher, "utter_territories_for_trade")
    assert sent["sector"] == "personal_care"
    assert sent["territory_names"] == ["Cantal", "Lozère"]
    assert slots_set(events) == {"sector": "personal_care"}

    dispatcher, _ = await run(
        ActionTerritoriesForTrade(), entities=[{"entity": "sector", "value": "health"}]
    )
    assert responses(dispatcher) == ["utter_territories_for_trade_none"]


@pytest.mark.asyncio
async def test_which_trade_is_asked_when_none_is_named(fake_api):
    dispatcher, _ = await run(ActionTerritoriesForTrade(), intent="ask_territory_for_trade")
    assert responses(dispatcher) == ["utter_ask_trade_for_territories"]


@pytest.mark.parametrize(
    "action", [ActionListTerritories(), ActionTerritoryInfo(), ActionTerritoriesForTrade()]
)
@pytest.mark.asyncio
async def test_api_down_is_said_politely(fake_api, action):
    fake_api.down = True
    dispatcher, _ = await run(
        action,
        entities=[
            {"entity": "territory", "value": "cantal"},
            {"entity": "sector", "value": "building"},
        ],
    )
    assert responses(dispatcher) == ["utter_api_unavailable"]
