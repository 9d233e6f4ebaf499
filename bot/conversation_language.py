"""Which language a conversation goes on in after a message: choice, channel hint, detection.

Order of authority: the person's explicit choice (action_welcome, slot `language_source` =
"choice"), then the channel's hint (Telegram's `language_code`, source "hint"), then the
detection of their messages (source "detected"), then the question (the language menu).
Detection (bot/language.py: `identify`, and the stickiness policy `decide`) may switch
silently only a language it set itself, or none; over a choice or a hint it may only ask.
It asks once per language and conversation (slot `languages_offered`), and only for a
language declared complete in locales/languages.yml: the `language` slot only ever holds
a language the assistant speaks.

`plan()` is pure; `install()` wraps Rasa's MessageProcessor, after bot.typed_choices (both
applied by the start-up step, bot/rasa_patches.py):
- `parse_message` plans every typed message (a choice read as its payload is not typed
  text: "1" keeps the language), stores the plan in the parse data (`language_plan`) and,
  on a switch, logs the slots before the message, so that this very turn is answered in
  the new language;
- `_run_prediction_loop`, once the turn is answered, runs `action_offer_language` when the
  plan is to ask (a question with buttons, in both languages).
Per message: one call of the policy on the Rasa server, no I/O (0.4-2.3 ms measured here,
under load; its models load in a background thread when the server starts, ~3 s).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final

logger = logging.getLogger(__name__)

LANGUAGE_SLOT: Final = "language"
SOURCE_SLOT: Final = "language_source"
OFFERED_SLOT: Final = "languages_offered"
PLAN_KEY: Final = "language_plan"
CHOOSE_PAYLOAD: Final = "/choose_language"
OFFER_ACTION: Final = "action_offer_language"
CHOICE, HINT, DETECTED = "choice", "hint", "detected"
KEEP, SWITCH, ASK = "keep", "switch", "ask"
# Fewer letters than this say nothing of a language ("ok", "1", "?").
MIN_LETTERS: Final = 2

Decide = Callable[[str | None, str], Any]


@dataclass(frozen=True)
class Plan:
    """What one message does to the conversation's language."""

    decision: str = KEEP
    language: str | None = None  # the language switched to, or offered
    detected: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The plan as stored in the message's parse data."""
        return asdict(self)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _read_verdict(verdict: Any) -> tuple[str, str | None]:
    """(keep/switch/ask, language) from bot.language's Verdict (or a plain pair)."""
    if isinstance(verdict, tuple):
        word, language = [*verdict, None, None][:2]
    else:
        word, language = getattr(verdict, "action", None), getattr(verdict, "language", None)
    word = getattr(word, "value", word)
    return (str(word).lower() if word else KEEP), _code(language)


def _code(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        code = value.strip().lower().replace("_", "-").split("-", 1)[0]
        return {"fa": "prs"}.get(code, code)
    return None


def plan(
    text: str,
    *,
    current: str | None,
    source: str | None,
    offered: Iterable[str],
    complete: Collection[str],
    decide: Decide,
) -> Plan:
    """The plan for one typed message, given the conversation's language and its source.

    `decide(current, text)` is bot.language's policy: keep, switch to, or ask about a
    language. Here: only complete languages; one question per language; after a
    question, a person who picked their language keeps it, one who let it be is switched
    if they go on writing clearly in the other language.
    """
    if not text or text.lstrip().startswith("/") or _letters(text) < MIN_LETTERS:
        return Plan()
    speaking = current if current in complete else None
    decision, language = _read_verdict(decide(speaking, text))
    if decision not in (SWITCH, ASK) or language is None or language == speaking:
        return Plan(detected=language)
    if decision == ASK and speaking is None:
        # Nothing chosen yet and the message is not clear ("ok", a name): the language
        # menu of the welcome is the question; no offer on top of it.
        return Plan(detected=language)
    if language not in complete:
        return Plan(detected=language)
    if speaking is not None and decision == SWITCH and source in (CHOICE, HINT):
        decision = ASK  # detection never silently overrides a choice or the channel's hint
    if decision == ASK and language in set(offered):
        if source == CHOICE:
            return Plan(detected=language)  # asked once; the person chose
        decision = SWITCH  # asked once, not answered, and still writing in it
    return Plan(decision=decision, language=language, detected=language)


def _decide() -> Callable[..., Any] | None:
    """bot/language.py's policy, or None when it is not there (detection off)."""
    try:
        from bot import language
    except ImportError:
        logger.warning("bot.language is missing: the conversation language is not detected")
        return None
    return language.decide


def plan_for_tracker(text: str, tracker: Any) -> Plan:
    """The plan for a message typed into a Rasa tracker's conversation."""
    decide = _decide()
    if decide is None:
        return Plan()
    from bot.i18n import load_languages

    table = load_languages()
    complete = {language.code for language in table.complete}
    offered = tracker.get_slot(OFFERED_SLOT) or []
    return plan(
        text,
        current=tracker.get_slot(LANGUAGE_SLOT),
        source=tracker.get_slot(SOURCE_SLOT),
        offered=[str(code) for code in offered] if isinstance(offered, list) else [],
        complete=complete,
        decide=functools.partial(decide, available=complete),
    )


def language_menu_shown(events: Iterable[Any]) -> bool:
    """Whether the bot offered languages since the person's last message."""
    for event in reversed(list(events)):
        if getattr(event, "type_name", None) == "user":
            return False
        data = getattr(event, "data", None) or {}
        for button in data.get("buttons") or []:
            payload = button.get("payload") if isinstance(button, dict) else None
            if isinstance(payload, str) and payload.startswith(CHOOSE_PAYLOAD):
                return True
    return False


def install() -> None:
    """Plan every typed message's language on the Rasa server (bot/rasa_patches.py, once)."""
    from rasa.core.actions.action import action_for_name_or_text
    from rasa.core.channels.channel import OutputChannel, UserMessage
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    original_parse = MessageProcessor.parse_message
    original_loop = MessageProcessor._run_prediction_loop

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        typed = message.text if isinstance(message.text, str) else ""
        parsed: dict[str, Any] = await original_parse(
            self, message, tracker, only_output_properties
        )
        # A typed choice was replaced by its payload: it is not text in some language.
        if tracker is None or not isinstance(message.text, str) or message.text != typed:
            return parsed
        try:
            step = plan_for_tracker(typed, tracker)
        except Exception:  # detection must never cost the person their answer
            logger.exception("Language detection failed; the language is kept")
            return parsed
        if step.decision != KEEP:
            parsed[PLAN_KEY] = step.as_dict()
        if step.decision == SWITCH:
            # Logged before the message: this turn is already answered in that language.
            tracker.update(SlotSet(LANGUAGE_SLOT, step.language), self.domain)
            tracker.update(SlotSet(SOURCE_SLOT, DETECTED), self.domain)
        return parsed

    async def _run_prediction_loop(
        self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
    ) -> None:
        await original_loop(self, output_channel, tracker)
        step = (tracker.latest_message.parse_data or {}).get(PLAN_KEY) or {}
        if step.get("decision") != ASK or not self._should_handle_message(tracker):
            return
        if language_menu_shown(tracker.events):
            return  # the turn asked already ("change language", a first hello)
        # The turn is answered: ask, then listen again, as a policy would have predicted.
        for name in (OFFER_ACTION, ACTION_LISTEN_NAME):
            action = action_for_name_or_text(name, self.domain, self.action_endpoint)
            prediction = PolicyPrediction.for_action_name(self.domain, name)
            await self._run_action(action, tracker, output_channel, self.nlg, prediction)

    MessageProcessor.parse_message = parse_message
    MessageProcessor._run_prediction_loop = _run_prediction_loop
    # The word lists and n-gram models (~3 s) load beside the model, not on a first message.
    threading.Thread(target=_preload, name="language-preload", daemon=True).start()


def _preload() -> None:
    try:
        from bot import language

        language.preload()
    except Exception:  # the first message will load them, or detection stays off
        logger.exception("Could not preload the language identification")
