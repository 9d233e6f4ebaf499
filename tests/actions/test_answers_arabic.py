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


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # "Not in Paris" said first, as Arabic does: the other town named is the answer.
        ("residence_area", "ar", "ساكن في ليل مع خويا، ماشي ف باريس", "elsewhere"),
        ("residence_area", "ar", "mch f paris, rani f lille", "elsewhere"),
        ("housing_situation", "ar", "ماشي فالزنقة، عند صاحبي", "hosted_by_family_or_friends"),
    ],
)
def test_a_value_said_with_not_before_it_is_denied(
    nlg: Any,  # noqa: F811
    slot: str,
    language: str,
    text: str,
    expected: Any,
) -> None:
    """A value right after an Arabic "not" (`not_there_before`) is not the answer."""
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # "At my brother's; before that, in the street": where they are is said first.
        ("housing_situation", "ar", "عند خويا، قبلها كنت فالزنقة", "hosted_by_family_or_friends"),
        ("residence_area", "ar", "ساكن فليون، قبل هادشي كنت في مرسيليا", "lyon_metropole"),
    ],
)
def test_what_is_named_after_before_that_is_the_past(
    nlg: Any,  # noqa: F811
    slot: str,
    language: str,
    text: str,
    expected: Any,
) -> None:
    """Values named after "before that" (`before_now`) lose to those named before it."""
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Exchanged (past) after the foreign licence: a licence.
        ("driving_licence", "ar", "رخصة من المغرب وبدلتها", "yes"),
        # Not exchanged ("ما بدلتها", I did not exchange it): still the foreign one.
        ("driving_licence", "ar", "رخصة من المغرب وما بدلتها", "no"),
    ],
)
def test_a_negated_exchange_verb_exchanged_nothing(
    nlg: Any,  # noqa: F811
    slot: str,
    language: str,
    text: str,
    expected: Any,
) -> None:
    """An `exchanged` verb right after a negation does not turn the foreign licence."""
    assert read(nlg, slot, language, text) == (True, expected)


def test_before_that_is_read_before_now(nlg: Any) -> None:  # noqa: F811
    """ "X now, before that Y": the value before "before that" is the answer, "now" or not."""
    text = "فالفواييه دابا، قبلها كنت فالزنقة"
    assert read(nlg, "housing_situation", "ar", text) == (True, "emergency_shelter")
