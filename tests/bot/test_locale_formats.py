"""Dates, times, numbers and lists in the locales of Arabic (ar), Dari (fa_AF) and Pashto
(ps), by Babel, with the digits each locale writes by default (CLDR)."""

from __future__ import annotations

import pytest
from babel import Locale

from bot.formatting import format_value
from bot.i18n import babel_locale, load_languages

RLM = "\u200f"
WORKSHOP = "2026-11-22T13:30:00Z"  # 14:30 in Paris


def locale_of(code: str) -> Locale:
    return babel_locale(load_languages().by_code[code])


def test_the_rtl_languages_use_their_own_babel_locales():
    assert [str(locale_of(code)) for code in ("ar", "prs", "ps")] == ["ar", "fa_AF", "ps"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ar", f"22{RLM}/11{RLM}/2026، 2:30 م"),
        ("prs", f"۲۲ نومبر ۲۰۲۶،{RLM} ۱۴:۳۰"),
        ("ps", "۲۰۲۶ نومبر ۲۲ ۱۴:۳۰"),
        ("fr", "22 nov. 2026, 14:30"),
    ],
)
def test_a_workshop_time_in_paris(code, expected):
    assert format_value("starts_at", WORKSHOP, locale_of(code)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", f"05{RLM}/01{RLM}/2027"), ("prs", "۵ جنو ۲۰۲۷"), ("ps", "۲۰۲۷ جنوري ۵")],
)
def test_a_date(code, expected):
    assert format_value("session_date", "2027-01-05", locale_of(code)) == expected


@pytest.mark.parametrize(
    ("code", "seats", "adults"), [("ar", "1,234", "2"), ("prs", "۱٬۲۳۴", "۲"), ("ps", "۱٬۲۳۴", "۲")]
)
def test_counts(code, seats, adults):
    assert format_value("seats_left_count", 1234, locale_of(code)) == seats
    assert format_value("adults", 2.0, locale_of(code)) == adults


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ar", "سافوا وكانتال ولوزير"),
        ("prs", f"سافوا،{RLM} کانتال، و لوزير"),
        ("ps", "سافوا، کانتال، او لوزير"),
    ],
)
def test_lists(code, expected):
    names = ["سافوا", "کانتال" if code != "ar" else "كانتال", "لوزير"]
    assert format_value("territory_names", names, locale_of(code)) == expected


@pytest.mark.parametrize("code", ["ar", "prs", "ps"])
def test_codes_and_phone_numbers_keep_their_digits(code):
    assert format_value("reference", "K7P4XM", locale_of(code)) == "K7P4XM"
    assert format_value("phone", "+33612345678", locale_of(code)) == "+33612345678"
    assert format_value("department_code", "15", locale_of(code)) == "15"
