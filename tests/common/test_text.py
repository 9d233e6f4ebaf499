"""Text normalisation: what people type differently on Arabic, Dari and Pashto keyboards
compares equal; French and English keep their behaviour."""

from __future__ import annotations

import pytest

from common.text import is_arabic_script, normalise


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Éléphant, ÇA va ?", "elephant ca va"),
        ("  titre   de séjour ", "titre de sejour"),
        ("٣ أطفال", "3 اطفال"),  # Arabic-Indic digit, hamza on alef
        ("۳ سال", "3 سال"),  # Persian digit
        ("مُسْتَعِدّ", "مستعد"),  # harakat
        ("مـــســتـعـد", "مستعد"),  # tatweel
        ("مستعدة", "مستعده"),  # ta marbuta / heh
        ("على", "علي"),  # alef maqsura / yeh
        ("بلی", "بلي"),  # Persian yeh / Arabic yeh
        ("کار", "كار"),  # Persian keheh / Arabic kaf
        ("إقامة", "اقامه"),
        ("لاجئ", "لاجيء"),  # hamza on yeh / a bare hamza after yeh
        ("پوهېږم", "پوهيژم"),  # Pashto ې and ږ as a Persian keyboard types them
        ("ګډ ټول ړ ڼ ښ ځ څ", "گد تول ر ن ش ز س"),
        ("دے ټول", "دی ٹول"),  # an Urdu keyboard
        ("می‌خواهم", "می خواهم"),  # zero-width non-joiner: a word break
        ("لاااا", "لا"),  # a letter held down
        ("Ouiiiii", "oui"),
    ],
)
def test_variants_typed_compare_equal(typed: str, written: str) -> None:
    assert normalise(typed) == normalise(written)


def test_latin_text_is_unchanged_by_the_letter_folding() -> None:
    assert normalise("3andi lwra9, ma3ndich permis!") == "3andi lwra9 ma3ndich permis"
    # Doubled letters and numbers stay as typed.
    assert normalise("ممكن, cool, 1000") == "ممکن cool 1000"


def test_arabic_script_words() -> None:
    assert is_arabic_script("کار") and is_arabic_script("عمل")
    assert not is_arabic_script("kar") and not is_arabic_script("")
