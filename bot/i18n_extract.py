"""Babel extractor for Rasa domain files: response texts and button titles."""

from __future__ import annotations

import string
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import yaml

from bot.formatting import DATE_SUFFIX, DATETIME_SUFFIX, NUMBER_SUFFIXES
from bot.i18n import CHOICE_KEYS, button_context, load_languages, placeholders
from common.languages import LOCALES_DIR

# Babel maps this keyword to ((1, "c"), 2): the first message is the context, the second the id.
KEYWORD = "pgettext"
SMS_CHANNELS = frozenset({"sms", "twilio"})

ExtractionResult = tuple[int, str, tuple[str, str], list[str]]


def extract_domain(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractionResult]:
    """Yield (lineno, "pgettext", (response name, text), comments) for every translatable text."""
    source = fileobj.read().decode(options.get("encoding") or "utf-8")
    lines = source.splitlines()
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return
    responses = _get(root, "responses")
    if not isinstance(responses, yaml.MappingNode):
        return
    untranslated = _language_names(options)
    for key_node, variations in responses.value:
        name = str(key_node.value)
        if not isinstance(variations, yaml.SequenceNode):
            continue
        response_comments = _tagged_comments(lines, key_node.start_mark.line, comment_tags)
        for variation in variations.value:
            if isinstance(variation, yaml.MappingNode):
                yield from _variation_messages(
                    name, variation, lines, comment_tags, response_comments, untranslated
                )


def _variation_messages(
    name: str,
    variation: yaml.MappingNode,
    lines: list[str],
    comment_tags: Collection[str],
    response_comments: list[str],
    untranslated: frozenset[str],
) -> Iterator[ExtractionResult]:
    notes = _variation_notes(variation)
    variation_comments = _tagged_comments(lines, variation.start_mark.line, comment_tags)
    text = _get(variation, "text")
    if isinstance(text, yaml.ScalarNode) and _translatable(text.value):
        comments = [
            *response_comments,
            *variation_comments,
            *_tagged_comments(lines, text.start_mark.line, comment_tags),
            *_placeholder_note(text.value),
            *notes,
        ]
        yield text.start_mark.line + 1, KEYWORD, (name, text.value), _unique(comments)
    for key in CHOICE_KEYS:
        choices = _get(variation, key)
        if not isinstance(choices, yaml.SequenceNode):
            continue
        for choice in choices.value:
            title = _get(choice, "title") if isinstance(choice, yaml.MappingNode) else None
            if not isinstance(title, yaml.ScalarNode) or not _translatable(title.value):
                continue
            if title.value in untranslated:
                continue
            comments = [
                *response_comments,
                *_tagged_comments(lines, choice.start_mark.line, comment_tags),
                f"Button title of {name}: a few words.",
                *_placeholder_note(title.value),
                *notes,
            ]
            yield (
                title.start_mark.line + 1,
                KEYWORD,
                (button_context(name), title.value),
                _unique(comments),
            )


def _get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _translatable(text: str) -> bool:
    """Whether a text has words of its own, not only placeholders and punctuation."""
    try:
        literal = "".join(part for part, *_ in string.Formatter().parse(text))
    except ValueError:
        return True
    return any(char.isalpha() for char in literal)


def _placeholder_note(text: str) -> list[str]:
    try:
        names = placeholders(text)
    except ValueError:
        return ["Warning: unbalanced { } in the source text."]
    if not names:
        return []
    listed = ", ".join(f"{{{name}}}{_kind(name)}" for name in names)
    return [f"Keep the placeholders as they are: {listed}."]


def _kind(name: str) -> str:
    """What the NLG puts in a placeholder, when its name tells."""
    if name.endswith(DATETIME_SUFFIX):
        return " (a date and time)"
    if name.endswith(DATE_SUFFIX):
        return " (a date)"
    if name.endswith(NUMBER_SUFFIXES):
        return " (a number)"
    return ""


def _variation_notes(variation: yaml.MappingNode) -> list[str]:
    notes: list[str] = []
    channel = _get(variation, "channel")
    if isinstance(channel, yaml.ScalarNode):
        if channel.value.lower() in SMS_CHANNELS:
            notes.append(
                "SMS: keep it short (one SMS holds 160 plain Latin characters, "
                "70 with accents or other scripts)."
            )
        else:
            notes.append(f"Only on the {channel.value} channel.")
    condition = _get(variation, "condition")
    if isinstance(condition, yaml.SequenceNode):
        parts = []
        for item in condition.value:
            if isinstance(item, yaml.MappingNode):
                slot, value = _get(item, "name"), _get(item, "value")
                if isinstance(slot, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
                    parts.append(f"{slot.value} is {value.value}")
        if parts:
            notes.append("Shown when " + " and ".join(parts) + ".")
    return notes


def _tagged_comments(lines: list[str], line: int, comment_tags: Collection[str]) -> list[str]:
    """The YAML comment block right above a line, from its first tagged comment on."""
    if not comment_tags:
        return []
    block: list[str] = []
    index = line - 1
    while index >= 0 and lines[index].lstrip().startswith("#"):
        block.insert(0, lines[index].lstrip()[1:].strip())
        index -= 1
    for start, comment in enumerate(block):
        if any(comment.startswith(tag) for tag in comment_tags):
            return block[start:]
    return []


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _language_names(options: Mapping[str, Any]) -> frozenset[str]:
    """Names of languages in themselves: the same in every language, never translated."""
    directory = options.get("locales_dir")
    try:
        table = load_languages(Path(directory) if directory else LOCALES_DIR)
    except (OSError, KeyError, ValueError):
        return frozenset()
    return frozenset(language.name for language in table)
