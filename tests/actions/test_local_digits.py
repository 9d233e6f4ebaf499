"""Arabic-Indic (٠-٩) and Persian (۰-۹) digits count wherever a person types a number:
numbered choices, counts, phone numbers and reference codes."""

from __future__ import annotations

import pytest

from actions.base import find_phone, find_reference, normalise_phone
from bot.channels.choices import pick
from common.choices import Choice, picked_choice
from common.text import ascii_digits
from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture

CHOICES = [Choice("Oui", "/affirm"), Choice("Non", "/deny"), Choice("Je ne sais pas", "/dont_know")]


@pytest.mark.parametrize(
    ("typed", "payload"), [("٣", "/dont_know"), ("۲", "/deny"), ("١.", "/affirm")]
)
def test_a_numbered_choice_in_local_digits(typed, payload):
    picked = picked_choice(typed, CHOICES)
    assert picked is not None and picked.payload == payload


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("adults", "٢", 2),
        ("adults", "۳", 3),
        ("children", "۲", 2),  # titles are numbers: "۲" is two, not the 2nd choice
        ("children", "٠", 0),
        ("experience_years", "۵ سال", 5),
        ("experience_years", "١٢", 12),
        ("work_situation", "۳", "temping"),  # the third choice
    ],
)
def test_counts_and_choices_in_local_digits(nlg, slot, text, expected):  # noqa: F811
    assert read(nlg, slot, "fr", text) == (True, expected)


@pytest.mark.parametrize(
    "typed",
    ["۰۶ ۱۲ ۳۴ ۵۶ ۷۸", "٠٦١٢٣٤٥٦٧٨", "+۳۳ ۶ ۱۲ ۳۴ ۵۶ ۷۸", "شمارهٔ من ۰۶۱۲۳۴۵۶۷۸ است"],
)
def test_phone_numbers_in_local_digits(typed):
    assert find_phone(typed) == "+33612345678"


def test_a_phone_number_in_local_digits_is_e164():
    assert normalise_phone("۰۰۹۳۷۰۰۱۲۳۴۵۶") == "+93700123456"


@pytest.mark.parametrize("typed", ["K۷P۴XM", "k٧p ٤xm", "کد من K7P4XM است", "رمزي K٧P٤XM"])
def test_reference_codes_in_local_digits(typed):
    assert find_reference(typed) == "K7P4XM"


def test_an_sms_reply_in_local_digits_picks_its_numbered_line():
    payloads = {"1": "/affirm", "2": "/deny", "3": "/dont_know"}
    titles = {"1": "نعم", "2": "لا", "3": "لا أعرف"}
    assert pick("٣", payloads, titles) == "/dont_know"
    assert pick("۲", payloads, titles) == "/deny"


def test_ascii_digits_leaves_other_text_alone():
    assert ascii_digits("سه ۳ three 3 ٣") == "سه 3 three 3 3"
