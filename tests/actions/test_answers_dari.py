"""Typed answers in Dari: the rules of the s9 pass, each failing without its rule.
(Development examples in the spirit of the s8 / s9 blind batches, not held-out answers.)"""

from __future__ import annotations

from typing import Any

import pytest

from actions.answers import _one_vowel_apart, _only_endings
from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        # A list: a common word one typo from a trade is no trade (`_without_typo_extras`):
        # "انگور" (grapes) is not "اهنگر" (smith), "تهران" not "ترکان" (carpenter).
        ("sectors", "دهقان بودم، انگور و گندم داشتیم", ["agriculture"]),
        ("sectors", "آشپز بودم در تهران", ["hospitality_catering"]),
        # ...but a spelling with an ending more, or a vowel letter more, is the word.
        ("territory_preferences", "maine et loire ya mayenne", ["maine_et_loire", "mayenne"]),
        # "Is not" right after a value (`not_there`): Lille, not Paris; alone, no answer.
        ("residence_area", "در لیل زندگی میکنیم، پاریس نیستیم", "elsewhere"),
        ("residence_area", "پاریس نیستم", None),
        # A foreign licence exchanged for a French one is a licence (`exchanged`).
        ("driving_licence", "لایسنس افغانی داشتم، تبدیل کردم", "yes"),
        ("driving_licence", "license irani ra badal kardam", "yes"),
        ("driving_licence", "لایسنس افغانی دارم، میخواهم تبدیل کنم", "no"),
        ("driving_licence", "لایسنس افغانی دارم ولی تبدیل نشد", "no"),
        # "We must go out" beside a shelter is its morning, not an eviction (`weak_phrases`).
        ("housing_situation", "در فویه میخوابم، صبح باید بیرون شویم", "emergency_shelter"),
        ("housing_situation", "صاحبخانه میگه باید بیرون شویم", "facing_eviction"),
        # s10: "was" right after a value (`_without_past`, `now.was`): where the person was,
        # when another value is named without it; alone it stays. "بودیم" is no typo of Bondy.
        ("residence_area", "قبلا لیل بودیم، ماه گذشته آمدیم لیون", "lyon_metropole"),
        ("residence_area", "پاریس بودیم، دو هفته است در مارسی هستیم", "elsewhere"),
        ("residence_area", "در پاریس بودیم", "ile_de_france"),
        ("work_situation", "بیکار بودم، دو ماه است فورماسیون میروم", "training"),
    ],
)
def test_dari_rules(nlg: Any, slot: str, text: str, expected: Any) -> None:  # noqa: F811
    found, value = read(nlg, slot, "prs", text)
    assert (value if found else None) == expected


def test_endings_and_vowels_are_spellings_not_typos() -> None:
    assert _only_endings((("mayenne", "mayen"),))
    assert _one_vowel_apart("سيكيوريتي", "سيكوريتي")
    assert not _only_endings((("انگور", "اهنگر"),))
    assert not _only_endings((("تهران", "ترکان"),))
    assert not _only_endings(())
