"""Rasa NLG that renders domain responses through the gettext catalogues of locales/."""

from __future__ import annotations

import copy
import logging
import random
import re
import string
from pathlib import Path
from typing import Any, cast

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.bidi import isolate
from bot.formatting import format_value
from bot.i18n import (
    CHOICE_KEYS,
    LANGUAGE_SLOT,
    Catalogues,
    babel_locale,
    button_context,
)
from common.languages import LOCALES_DIR, Language

logger = logging.getLogger(__name__)

Responses = dict[str, list[dict[str, Any]]]

# Keys that rasa-sdk's `dispatcher.utter_message` and Rasa itself put beside the values.
NOT_VALUES = frozenset(
    {
        "attachment",
        "buttons",
        "choices",
        "custom",
        "domain_responses",
        "elements",
        "image",
        "json_message",
        "quick_replies",
        "response",
        "template",
        "text",
    }
)
LANGUAGE_NAME = "language_name"
# Channels that show choices as numbered lines themselves (bot/channels/sms.py).
NUMBERING_CHANNELS = frozenset({"sms", "twilio"})
MISSES_SLOT = "question_misses"
LABEL_RESPONSE = "utter_{name}_{code}"
CODE = re.compile(r"[A-Za-z0-9_]+")
LEADING_NUMBER = re.compile(r"\s*(\d+)")


class CatalogueNLG(TemplatedNaturalLanguageGenerator):  # type: ignore[misc]
    """Picks a response variation as Rasa does, translates it and fills its placeholders."""

    # The parent class matters: `rasa run` builds the NLG before the model is loaded (so
    # with an empty domain), then Agent.load_model sets `responses` only on instances of
    # TemplatedNaturalLanguageGenerator.

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
        locales_dir: str | Path | None = None,
    ) -> None:
        super().__init__(domain.responses if domain is not None else {})
        options = getattr(endpoint_config, "kwargs", None) or {}
        # endpoints.yml may say `locales_dir: ...` (relative to where rasa runs).
        self.catalogues = Catalogues(Path(locales_dir or options.get("locales_dir") or LOCALES_DIR))

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Render a response for the conversation's language, slots and the caller's values."""
        responses = kwargs.pop("domain_responses", None)
        return self.render(
            utter_action, tracker.current_slot_values(), output_channel, kwargs, responses
        )

    def generate_from_slots(
        self,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Render a response from slot values (the parent class's synchronous entry point)."""
        responses = kwargs.pop("domain_responses", None)
        return self.render(utter_action, filled_slots, output_channel, kwargs, responses)

    def render(
        self,
        name: str,
        slots: dict[str, Any],
        output_channel: str,
        values: dict[str, Any],
        responses: Responses | None = None,
    ) -> dict[str, Any] | None:
        """The message for a response, or None when the domain has no such response."""
        # ActionBotResponse passes the domain's responses; custom actions' messages do not.
        known: Responses = responses or self.responses or {}
        variation = _pick_variation(known, name, output_channel, slots)
        if variation is None:
            return None
        merged = dict(slots or {})
        merged.update({k: v for k, v in values.items() if k not in NOT_VALUES and v is not None})
        language = self.catalogues.languages.resolve(merged.get(LANGUAGE_SLOT))
        merged.setdefault(LANGUAGE_NAME, language.name)
        renderer = _Renderer(
            name=name,
            language=language,
            catalogues=self.catalogues,
            values=merged,
            responses=known,
            output_channel=output_channel,
        )
        message = copy.deepcopy(variation)
        options = message.pop("metadata", None) or {}
        if isinstance(message.get("text"), str):
            message["text"] = renderer.text(name, message["text"])
        for key in CHOICE_KEYS:
            for choice in message.get(key) or []:
                if not isinstance(choice, dict):
                    continue
                if isinstance(choice.get("title"), str):
                    choice["title"] = renderer.text(button_context(name), choice["title"])
                if isinstance(choice.get("payload"), str):
                    choice["payload"] = renderer.payload(choice["payload"])
        # Choices made by an action (territory names from the API), after the response's.
        extra = [c for c in values.get("choices") or [] if isinstance(c, dict)]
        if extra:
            message["buttons"] = [*(message.get("buttons") or []), *copy.deepcopy(extra)]
        numbered = (isinstance(options, dict) and options.get("numbered")) or _repairing(
            name, merged
        )
        if numbered and output_channel not in NUMBERING_CHANNELS:
            for key in CHOICE_KEYS:
                _number_titles(message.get(key) or [])
        message[LANGUAGE_SLOT] = language.code
        return message


def _repairing(name: str, slots: dict[str, Any]) -> bool:
    """Whether `name` asks again a question whose last answer was not understood."""
    misses = slots.get(MISSES_SLOT)
    return (
        isinstance(misses, dict)
        and int(misses.get("count") or 0) >= 1
        and name == f"utter_ask_{misses.get('slot')}"
    )


def _number_titles(choices: list[Any]) -> None:
    """ "1. Yes", "2. No": the number a person may type instead (bot/channels/choices.py
    numbering). Titles that are numbers of their own ("None", "1", "2"…) stay as they are:
    there a typed number is the number itself."""
    titles = [c.get("title") for c in choices if isinstance(c, dict)]
    if not all(isinstance(t, str) for t in titles):
        return
    for index, title in enumerate(cast(list[str], titles), start=1):
        match = LEADING_NUMBER.match(title)
        if match is not None and int(match.group(1)) != index:
            return
    for index, choice in enumerate(choices, start=1):
        if not LEADING_NUMBER.match(choice["title"]):
            choice["title"] = f"{index}. {choice['title']}"


def _pick_variation(
    responses: Responses, name: str, output_channel: str, slots: dict[str, Any]
) -> dict[str, Any] | None:
    """One variation chosen as TemplatedNaturalLanguageGenerator does (channel, conditions)."""
    if name not in responses:
        return None
    suitable = ResponseVariationFilter(responses).responses_for_utter_action(
        name, output_channel, slots or {}
    )
    return random.choice(suitable) if suitable else None


def _label_kinds(field: str) -> list[str]:
    """`verdict_reasons` → verdict_reasons, verdict_reason, reasons, reason."""
    parts = field.split("_")
    kinds: list[str] = []
    for start in range(len(parts)):
        tail = "_".join(parts[start:])
        kinds.append(tail)
        if tail.endswith("s"):
            kinds.append(tail[:-1])
    return kinds


class _Renderer:
    """Translates and fills the texts of one message."""

    def __init__(
        self,
        *,
        name: str,
        language: Language,
        catalogues: Catalogues,
        values: dict[str, Any],
        responses: Responses,
        output_channel: str,
    ) -> None:
        self.name = name
        self.language = language
        self.catalogues = catalogues
        self.values = values
        self.responses = responses
        self.output_channel = output_channel

    def text(self, context: str, source: str) -> str:
        """The translation of `source` in `context`, its placeholders filled."""
        translated, shown_in = self.catalogues.lookup(self.language, context, source)
        # Values follow the language the text is in: a French fallback gets French dates.
        try:
            return self._fill(translated, shown_in)
        except ValueError:
            logger.error(
                "Broken placeholders in the %s translation of %r (%s); using the source text",
                shown_in.code,
                source,
                context,
            )
        source_language = self.catalogues.languages.by_code[self.catalogues.languages.source]
        try:
            return self._fill(source, source_language)
        except ValueError:
            logger.error("Broken placeholders in %r (%s); sent as it is", source, context)
            return source

    def payload(self, payload: str) -> str:
        """A payload filled as Rasa fills it (`{{` → `{`, raw values), never translated."""
        try:
            parsed = list(string.Formatter().parse(payload))
        except ValueError:
            return payload
        # `/inform{"a":"b"}` is JSON, not placeholders: Rasa sends it unchanged too.
        if any(field is not None and not field.isidentifier() for _, field, _, _ in parsed):
            return payload
        parts: list[str] = []
        for literal, field, _spec, _conversion in parsed:
            parts.append(literal)
            if field is not None:
                value = self.values.get(field)
                if value is None:
                    logger.warning("Response %s: no value for {%s} in a payload", self.name, field)
                else:
                    parts.append(str(value))
        return "".join(parts)

    def _fill(self, text: str, language: Language) -> str:
        parts: list[str] = []
        for literal, field, _spec, _conversion in string.Formatter().parse(text):
            parts.append(literal)
            if field is not None:
                parts.append(self._value(field, language))
        return "".join(parts)

    def _value(self, field: str, language: Language) -> str:
        value = self.values.get(field)
        if value is None:
            logger.warning("Response %s: no value for placeholder {%s}", self.name, field)
            return ""

        def label(name: str, code: str) -> str | None:
            return self._label(name, code, language)

        sms = self.output_channel in NUMBERING_CHANNELS

        def wrap(text: str) -> str:
            # Codes, numbers and names keep their order in a text of the other direction.
            return isolate(text, language.direction, sms=sms)

        try:
            return format_value(field, value, babel_locale(language), label=label, wrap=wrap)
        except (ValueError, TypeError, ArithmeticError) as error:
            logger.warning(
                "Response %s: cannot format {%s}=%r (%s)", self.name, field, value, error
            )
            return wrap(str(value))

    def _label(self, field: str, code: str, language: Language) -> str | None:
        """The text of response `utter_<kind>_<code>` for a code, if the domain has one."""
        if not CODE.fullmatch(code):
            return None
        for candidate in _label_kinds(field):
            label_name = LABEL_RESPONSE.format(name=candidate, code=code)
            variation = _pick_variation(
                self.responses, label_name, self.output_channel, self.values
            )
            if variation is not None and isinstance(variation.get("text"), str):
                return self.catalogues.lookup(language, label_name, variation["text"])[0]
        return None
