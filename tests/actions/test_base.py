"""Shared helpers of the flows: codes, names, phone numbers, what a form just heard."""

import pytest

from actions.base import (
    answered_just_now,
    channel_of,
    clean_name,
    find_email,
    find_phone,
    find_reference,
    is_interruption,
    language_of,
    normalise_phone,
)
from tests.actions.flows import form_tracker, make_tracker


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("K7P4XM", "K7P4XM"),
        ("k7p 4xm", "K7P4XM"),
        ("k7p-4xm", "K7P4XM"),
        ("my code is K7P4XM thanks", "K7P4XM"),
        ("mon code : k7p4xm", "K7P4XM"),
        ("KPXMTR", "KPXMTR"),  # Codes may have no digit.
        ("it is KPXMTR", "KPXMTR"),
        ("please cancel my booking", None),  # A six-letter word in a sentence is not.
        ("cancel", "CANCEL"),  # Alone, it could be one (forms skip requests like this).
        ("K0P4XM", None),  # No 0 or 1 in codes.
        ("", None),
    ],
)
def test_find_reference(text, code):
    assert find_reference(text) == code


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+330612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12", None),
        ("+3361234567890", None),  # A French number has 9 digits after +33.
        ("hello", None),
    ],
)
def test_normalise_phone(raw, number):
    assert normalise_phone(raw) == number


def test_find_phone_and_email_in_sentences():
    assert find_phone("call me at 06 12 34 56 78 please") == "+33612345678"
    assert find_phone("I was born in 1990") is None
    assert find_email("write to Me@Example.ORG.") == "Me@example.org"
    assert find_email("me at example") is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Amina", "Amina"),
        ("  Jean-Pierre  ", "Jean-Pierre"),
        ("N'Diaye", "N'Diaye"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("محمد", "محمد"),
        ("Amina2", None),
        ("", None),
        ("this is a very long sentence and not a name at all", None),
    ],
)
def test_clean_name(text, name):
    assert clean_name(text) == name


def test_language_and_channel():
    assert language_of(make_tracker({"language": "EN-gb"})) == "en"
    assert language_of(make_tracker({"language": "xx"})) == "fr"
    assert language_of(make_tracker({})) == "fr"
    assert channel_of(make_tracker(input_channel="telegram")) == "telegram"
    assert channel_of(make_tracker(input_channel="twilio")) == "sms"
    assert channel_of(make_tracker(input_channel="something")) == "rest"


def test_what_a_form_just_heard():
    assert answered_just_now(form_tracker("f", "s", text="x"), "f")
    assert not answered_just_now(form_tracker("f", "s", text="x", after_message=False), "f")


def test_interruptions_need_confidence_unless_tapped():
    assert is_interruption(make_tracker(text="why?", intent="ask_why", confidence=0.9))
    assert not is_interruption(make_tracker(text="Hope", intent="ask_why", confidence=0.4))
    assert is_interruption(make_tracker(text="/menu", intent="menu", confidence=0.4))
    assert not is_interruption(make_tracker(text="2", intent="inform", confidence=1.0))
