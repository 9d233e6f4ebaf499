"""GSM 03.38 / 3GPP TS 23.038: encoding, segments, SMS-friendly French."""

from __future__ import annotations

import pytest

from bot.channels.gsm import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsStats,
    encoding,
    max_units,
    segments,
    to_sms_friendly,
    ucs2_characters,
    units,
)


def test_table_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes, one of them the escape
    assert len(GSM7_EXTENSION) == 10


@pytest.mark.parametrize("char", list("éèùìòÇàÄÖÑÜ§¿äöñüÉÅåØøÆæß£¥¤¡_@$ΔΦΓΛΩΠΨΣΘΞ\n\r"))
def test_in_the_basic_table(char: str) -> None:
    assert encoding(char) == "GSM-7"
    assert units(char) == 1


@pytest.mark.parametrize("char", list("êâîôûçëïœÈÀÙÊÔÛÎ’‘“”«»…–—`°\t"))
def test_not_gsm7(char: str) -> None:
    # ç lower case is NOT in GSM-7 (only Ç at 0x09); È À Ù capitals are not either.
    assert encoding(f"abc{char}") == "UCS-2"


@pytest.mark.parametrize("char", list("€[]{}\\^~|\f"))
def test_extension_characters_count_two(char: str) -> None:
    assert encoding(char) == "GSM-7"
    assert units(char) == 2
    assert units(f"a{char}b") == 4


def test_gsm7_segments_160_then_153() -> None:
    assert segments("") == 0
    assert segments("a") == 1
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    assert segments("a" * 459) == 3


def test_euro_counts_two_septets() -> None:
    assert segments("€" * 80) == 1  # 160 septets
    assert segments("€" * 81) == 2
    assert segments("a" + "€" * 80) == 2  # 161 septets


def test_escape_never_split_across_segments() -> None:
    # 306 septets is 2 segments by arithmetic, but the € at septets 153-154 cannot be cut
    # in two: segment 1 holds 152, segment 2 the € and 151 b, segment 3 the last b.
    text = "a" * 152 + "€" + "b" * 152
    assert units(text) == 306
    assert segments("a" * 306) == 2
    assert segments(text) == 3
    assert segments("a" * 151 + "€" + "b" * 153) == 2  # the € ends segment 1 exactly


def test_ucs2_segments_70_then_67() -> None:
    arabic = "ب"
    assert encoding(arabic) == "UCS-2"
    assert segments(arabic * 70) == 1
    assert segments(arabic * 71) == 2
    assert segments(arabic * 134) == 2
    assert segments(arabic * 135) == 3


def test_one_ucs2_character_switches_the_whole_message() -> None:
    text = "a" * 100
    assert segments(text) == 1
    assert segments(text + "ç") == 2  # 101 UCS-2 units > 70
    assert segments(text + "’") == 2


def test_ucs2_counts_utf16_code_units() -> None:
    assert units("😀") == 2  # outside the BMP: a surrogate pair
    assert segments("😀" * 35) == 1
    assert segments("😀" * 36) == 2
    # A surrogate pair is not split: 66 units + one emoji (2) does not fit in 67.
    assert segments("ب" * 66 + "😀" + "ب" * 66) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C’est l’été", "C'est l'été"),
        ("« Oui »", '"Oui"'),
        ("«\u00a0Oui\u00a0»", '"Oui"'),
        ("“quoted” ‘single’", "\"quoted\" 'single'"),
        ("Attendez…", "Attendez..."),
        ("Paris – Lyon — Mende", "Paris - Lyon - Mende"),
        ("12\u202f000\u00a0€", "12 000 €"),
        ("le 3\u00a0mai à 14:00", "le 3 mai à 14:00"),
        ("Vous êtes prêt ? Ça va.", "Vous êtes prêt ? Ça va."),  # ê ç stay: letters
        ("cœur", "coeur"),
        ("e\u0301te\u0301", "été"),  # NFC: decomposed é becomes the GSM-7 é
        ("• one\n• two", "- one\n- two"),
        ("Paris region (Île-de-France)", "Paris region (Ile-de-France)"),
        ("À bientôt. ÊTES-VOUS PRÊT ?", "A bientôt. ETES-VOUS PRET ?"),
        ("Écrivez ÇA", "Écrivez ÇA"),  # É and Ç are GSM-7
    ],
)
def test_to_sms_friendly(text: str, expected: str) -> None:
    assert to_sms_friendly(text) == expected


def test_friendly_french_stays_gsm7() -> None:
    text = "Aujourd’hui, vous êtes inscrit « à l’atelier » le 3\u00a0mai…"
    assert encoding(text) == "UCS-2"
    friendly = to_sms_friendly(text)
    assert ucs2_characters(friendly) == ["ê"]  # only the real letter is left
    text = "C’est gratuit — l’équipe vous appelle le 12\u202fmai à 10\u00a0h."
    assert encoding(to_sms_friendly(text)) == "GSM-7"


def test_arabic_stays_arabic() -> None:
    text = "مرحبا، هل أنت مستعد؟"
    assert to_sms_friendly(text) == text
    assert encoding(text) == "UCS-2"


def test_stats_and_capacities() -> None:
    stats = SmsStats.of("a" * 200)
    assert (stats.encoding, stats.segments, stats.chars, stats.units) == ("GSM-7", 2, 200, 200)
    assert max_units(1, "GSM-7") == 160
    assert max_units(2, "GSM-7") == 306
    assert max_units(2, "UCS-2") == 134
    assert max_units(0, "UCS-2") == 0
