# mypy: disallow-subclassing-any=False
"""The verdict after the eligibility questions, in plain words, with where else to turn."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.eligibility import ELIGIBLE, NOT_ELIGIBLE, default_rules, evaluate
from actions.eligibility_form import answers_from_slots


class ActionVerdict(Action):
    """Evaluate the answers (pure rules, data/eligibility_rules.yml) and say the result.

    The bot pre-qualifies, an operator decides: "to review" and even "not eligible" say so.
    """

    def name(self) -> str:
        return "action_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rules = default_rules()
        verdict = evaluate(answers_from_slots(tracker.slots, for_rules=True), rules)
        if verdict.result == ELIGIBLE:
            dispatcher.utter_message(response="utter_verdict_eligible")
        elif verdict.result == NOT_ELIGIBLE:
            dispatcher.utter_message(response="utter_verdict_not_eligible")
            # The reasons that decide; what would only need a check is left to the team.
            for reason in verdict.reasons:
                if reason in rules.fail_reasons:
                    dispatcher.utter_message(response=f"utter_reason_{reason}")
            if verdict.referrals:
                dispatcher.utter_message(response="utter_where_else")
                for referral in verdict.referrals:
                    dispatcher.utter_message(response=f"utter_referral_{referral}")
            dispatcher.utter_message(response="utter_verdict_not_final")
        else:
            dispatcher.utter_message(response="utter_verdict_to_review")
            for reason in verdict.reasons:
                dispatcher.utter_message(response=f"utter_reason_{reason}")
        return [
            SlotSet("verdict", verdict.result),
            SlotSet("verdict_reasons", list(verdict.reasons)),
            SlotSet("rules_version", verdict.rules_version),
        ]
