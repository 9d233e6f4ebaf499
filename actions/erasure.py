# mypy: disallow-subclassing-any=False
"""Delete my data: the application in the API, anything waiting in the outbox, and the
conversation itself (bot/tracker_store.py deletes its stored events on this action)."""

from __future__ import annotations

import contextlib
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, Restarted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, Gone, NotFound, shared_client
from actions.application import application_state
from actions.outbox import start_outbox

logger = logging.getLogger(__name__)


class ActionEraseData(Action):
    """Erase, after the person confirmed. Nothing is said to be deleted unless it was."""

    def name(self) -> str:
        # Also named in bot/tracker_store.py (ERASE_ACTION_NAME).
        return "action_erase_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        phone = tracker.get_slot("phone")
        key = tracker.get_slot("application_key")
        try:
            state = await application_state(tracker)
            service = await start_outbox()
            if state.reference and phone:
                # NotFound/Gone: already erased (by an operator, or an earlier request).
                with contextlib.suppress(NotFound, Gone):
                    await shared_client().person_erasure(state.reference, phone)
            # Undelivered applications with this phone, and this conversation's row.
            if phone:
                service.outbox.erase_phone(phone)
            if key:
                service.outbox.forget(key)
        except ApiError as exc:
            logger.info("erasure failed: %s", exc)
            dispatcher.utter_message(response="utter_erasure_failed")
            return []
        except Exception:
            logger.exception("erasure failed")
            dispatcher.utter_message(response="utter_erasure_failed")
            return []
        dispatcher.utter_message(response="utter_erasure_done")
        # Restarted right after this action tells the tracker store to delete the conversation.
        return [AllSlotsReset(), Restarted()]
