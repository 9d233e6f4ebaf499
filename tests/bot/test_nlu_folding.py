"""Words typed in different ways reach the NLU featurizers as one form."""

from __future__ import annotations

import pytest

from bot.nlu.folding import fold
from common.text import normalise


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("Sécurité", "securite"),  # accents and case
        ("ÉLIGIBLE", "eligible"),
        ("merciiii", "merci"),  # stretched letters
        ("salaaam", "salam"),
        ("سلاااام", "سلام"),
        ("أهلا", "اهلا"),  # hamza on alef
        ("إقامة", "اقامه"),  # hamza below, teh marbuta at the end
        ("آمل", "امل"),  # madda
        ("ٱلعمل", "العمل"),  # alef wasla
        ("مُمْكِن", "ممكن"),  # harakat
        ("شـــكرا", "شكرا"),  # tatweel
        ("على", "علي"),  # alef maksura
        ("کار", "كار"),  # Persian keheh, Arabic kaf
        ("میخواهم", "ميخواهم"),  # Persian yeh, Arabic yeh
        ("مسئول", "مسيول"),  # yeh with hamza
        ("١١٥", "115"),  # Arabic-Indic digits
        ("۱۱۵", "115"),  # Persian digits
    ],
)
def test_variants_fold_to_one_form(typed: str, same_as: str) -> None:
    assert fold(typed) == fold(same_as)


@pytest.mark.parametrize("pashto", ["ټ", "ډ", "ړ", "ږ", "ښ", "ګ", "ڼ", "ې", "ۍ"])
def test_pashto_letters_are_kept(pashto: str) -> None:
    # They tell Pashto from Dari; folding must not merge them with Persian letters.
    assert fold(f"ک{pashto}") == f"ك{pashto}"


@pytest.mark.parametrize(
    ("pashto", "persian_keyboard"),
    [
        ("ګ", "گ"),
        ("ې", "ی"),
        ("ۍ", "ی"),
        ("ړ", "ر"),
        ("ښ", "ش"),
        ("ټ", "ت"),
        ("ډ", "د"),
        ("ږ", "ژ"),
        ("ڼ", "ن"),
    ],
)
def test_pashto_letters_fold_to_the_persian_keyboard_on_demand(
    pashto: str, persian_keyboard: str
) -> None:
    assert fold(f"ک{pashto}", pashto=True) == fold(f"ک{persian_keyboard}")


def test_pashto_words_typed_on_a_persian_keyboard_fold_as_one() -> None:
    assert fold("ښځې", pashto=True) == fold("شځی")  # women
    assert fold("ډېر", pashto=True) == fold("دیر")  # much


@pytest.mark.parametrize("word", ["appelle", "allier", "1000", "115", "ok"])
def test_doubled_letters_and_numbers_stay(word: str) -> None:
    assert fold(word) == word


@pytest.mark.parametrize("typed", ["Sécurité", "ÉLIGIBLE", "مُمْكِن", "أهلا", "١١٥", "Pôle"])
def test_agrees_with_the_typed_answers_reading(typed: str) -> None:
    # What common.text.normalise (typed answers) folds, the NLU folds the same way.
    assert fold(typed) == fold(normalise(typed))
