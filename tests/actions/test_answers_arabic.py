"""Typed answers in Arabic (batch s9): rules of the reading that Arabic answers showed, each
with an answer that reads wrong without it. (Development examples, written for the test.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # The words of "whether" are small words, no typos: "kant" (it is, in "ila kant") is
        # not "kantal" (Cantal).
        ("territory_preferences", "ar", "ila kant savoie nmchi", ["savoie"]),
        ("territory_preferences", "ar", "ida kant lozère safi", ["lozere"]),
    ],
)
def test_whether_words_are_no_typos(
    nlg: Any,  # noqa: F811
    slot: str,
    language: str,
    text: str,
    expected: Any,
) -> None:
    """A word of `whether` is never read as one letter away from a value's word."""
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # "شوية" (a little) inside "الكتابة صعبة شوية" (writing is a little hard) is read with
        # the weak phrase, so the level said beside it wins.
        ("french_level", "ar", "زين، الكتابة صعبة شوية", "intermediate"),
        ("french_level", "ar", "منيح بس الكتابة صعبة شوية", "intermediate"),
        ("french_level", "ar", "الكتابة صعبة شوية", "basic"),
    ],
)
def test_a_phrase_inside_a_weak_phrase_is_weak(
    nlg: Any,  # noqa: F811
    slot: str,
    language: str,
    text: str,
    expected: Any,
) -> None:
    """A shorter phrase of the same value inside a weak phrase loses with it."""
    assert read(nlg, slot, language, text) == (True, expected)
