"""Typed answers in Pashto (s9, s10): phrases that state a weak value, read over the value whose
noun they name; lists said "not", words of address, licences exchanged. (Development examples;
the held-out sets are never read here.)"""

from __future__ import annotations

from typing import Any

import pytest

from actions.answers import (
    _key,
    _Match,
    _strongest,
    _without_denied,
    _without_vocatives,
    _without_weak_phrases,
)
from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture


def test_a_stated_phrase_ranks_as_a_strong_value() -> None:
    """A phrase in `stated` is not dropped for its value being weak."""
    foreign = _Match("no", 0, 2, 12, True, phrase="afghan licence")
    exchanged = _Match("yes", 3, 5, 8, True, phrase="exchanged it")
    weak = (_key("yes"), _key("no"))
    assert _strongest([foreign, exchanged], weak) == [foreign]
    assert _strongest([foreign, exchanged], weak, frozenset({"exchanged it"})) == [exchanged]


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        # A licence exchanged is a licence now, whatever country it came from.
        ("driving_licence", "د ایران لایسنس مې تبدیل شو، اوس فرانسوي لرم", "yes"),
        ("driving_licence", "pakistani laisens me badal kar", "yes"),
        # Not exchanged yet: still the foreign licence; exchanging: learning.
        ("driving_licence", "د ایران لایسنس مې لا نه دی بدل کړی", "no"),
        ("driving_licence", "ایراني لایسنس لرم، اوس یې بدلوم", "in_progress"),
        # Asylum granted is a right to work; OFPRA alone is the request.
        ("right_to_work", "OFPRA ماته پناه راکړه", "yes"),
        ("right_to_work", "اوفپرا ته مې کاغذونه ورکړي", "no"),
        ("right_to_work", "اوفپرا کې قبول نه شوم", "no"),
    ],
)
def test_stated_values(nlg: Any, slot: str, text: str, expected: Any) -> None:  # noqa: F811
    assert read(nlg, slot, "ps", text) == (True, expected)


def test_the_words_of_a_weak_phrase_that_lost_go_with_it() -> None:
    """A match inside a weak phrase outweighed by another value goes with the phrase."""
    not_paris = _Match("elsewhere", 0, 4, 12, True, phrase="paris ke na yam")
    paris = _Match("ile_de_france", 0, 2, 7, True, phrase="paris ke")
    lyon = _Match("lyon_metropole", 4, 5, 4, True, phrase="lyon")
    weak = frozenset({"paris ke na yam"})
    assert _without_weak_phrases([not_paris, paris, lyon], weak) == [lyon]
    # Alone, "not in Paris" stays, and so does what it holds.
    assert _without_weak_phrases([not_paris, paris], weak) == [not_paris, paris]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paris ke na yam, lyon ke osegam", "lyon_metropole"),
        ("پاریس کې نه یم، لیون کې یم", "lyon_metropole"),
        ("paris ke na yam", "elsewhere"),
    ],
)
def test_not_in_paris_beside_a_town(nlg: Any, text: str, expected: Any) -> None:  # noqa: F811
    assert read(nlg, "residence_area", "ps", text) == (True, expected)


def test_is_not_after_a_list_covers_the_whole_list() -> None:
    """Paris and Lyon "are not": both are denied, not only the value right before "not"."""
    tokens = ["لیل", "کې", "یم", "پاریس", "او", "لیون", "نه", "دي"]
    lille = _Match("elsewhere", 0, 1, 3, True, phrase="لیل")
    paris = _Match("ile_de_france", 3, 4, 5, True, phrase="پاریس")
    lyon = _Match("lyon_metropole", 5, 6, 4, True, phrase="لیون")
    assert _without_denied(tokens, [lille, paris, lyon]) == [lille]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("زه په لیل کې اوسیږم، پاریس او لیون نه یو", (True, "elsewhere")),
        ("پاریس او لیون نه یو", (False, None)),
        ("لیون کې یو، پاریس نه یو", (True, "lyon_metropole")),
    ],
)
def test_places_said_not(nlg: Any, text: str, expected: Any) -> None:  # noqa: F811
    assert read(nlg, "residence_area", "ps", text) == expected


def test_a_word_of_address_names_nobody() -> None:
    """A kin word at the end of the message, right after "I don't know", is the reader."""
    tokens = ["نه", "پوهيږم", "ورور"]
    dont_know = _Match("dont_know", 0, 2, 10, True, generic=True, phrase="نه پوهيږم")
    brother = _Match("hosted_by_family_or_friends", 2, 3, 4, True, phrase="ورور")
    assert _without_vocatives(tokens, [dont_know, brother]) == [dont_know]
    # Named with what the brother does, he is the host.
    with_brother = _Match("hosted_by_family_or_friends", 2, 4, 7, True, phrase="ورور سره")
    tokens = ["نه", "پوهيږم", "ورور", "سره"]
    assert _without_vocatives(tokens, [dont_know, with_brother]) == [dont_know, with_brother]


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("housing_situation", "نه پوهیږم ورور", "dont_know"),
        ("housing_situation", "na pohegam wror", "dont_know"),
        ("housing_situation", "ورور، نه پوهیږم", "dont_know"),
        ("housing_situation", "د ورور سره اوسیږم", "hosted_by_family_or_friends"),
        # A foreign licence exchanged (Pashto past, any word order, Latin letters) is a licence.
        ("driving_licence", "ایراني لایسنس مې درلود، په پریفکتور کې مې بدل شو", "yes"),
        ("driving_licence", "pakistani permis me prefecture ke tabdil kray", "yes"),
        ("driving_licence", "ایراني لایسنس لرم، نه مې دی بدل کړی", "no"),
        # The exchange verb followed by "is not": not exchanged.
        ("driving_licence", "پاکستاني لایسنس لرم، تر اوسه بدل کړی نه دی", "no"),
        ("driving_licence", "pakistani laisens laram, badal kray na di", "no"),
        # "Is not" with the postposition between, after a list.
        ("residence_area", "روان کې یو، پاریس او لیون کې نه یو", "elsewhere"),
    ],
)
def test_read_in_pashto(nlg: Any, slot: str, text: str, expected: Any) -> None:  # noqa: F811
    assert read(nlg, slot, "ps", text) == (True, expected)
