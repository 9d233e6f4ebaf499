"""Right-to-left texts: reference codes, phone numbers, Latin names and numbers inserted
into them keep their order (Unicode isolates), by Telegram and, where needed, by SMS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from rasa.shared.core.domain import Domain

from bot.bidi import FSI, PDI, isolate, reorders_in_rtl
from bot.channels.gsm import SmsStats, to_sms_friendly
from bot.nlg import CatalogueNLG
from common.languages import LOCALES_DIR

SOURCE = (
    "Your code is {reference_code}, we call {phone}, {first_name}; "
    "{adults_count} adults in {territory_names}."
)
ARABIC = (
    "رمزك {reference_code}، سنتصل بالرقم {phone}، {first_name}؛ "
    "{adults_count} بالغين في {territory_names}."
)


@pytest.fixture()
def nlg(tmp_path: Path) -> CatalogueNLG:
    locales = tmp_path / "locales"
    (locales / "ar" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(LOCALES_DIR / "languages.yml", locales / "languages.yml")
    catalog = Catalog(locale="ar", domain="messages")
    catalog.add(SOURCE, ARABIC, context="utter_applied")
    catalog.add(
        "You seem to write in {offered_language_name}.",
        "Vous semblez écrire en {offered_language_name}.",
        context="utter_offer",
    )
    with (locales / "ar" / "LC_MESSAGES" / "messages.po").open("wb") as out:
        write_po(out, catalog)
    (locales / "fr" / "LC_MESSAGES").mkdir(parents=True)
    french = Catalog(locale="fr", domain="messages")
    french.add(
        "You seem to write in {offered_language_name}.",
        "Vous semblez écrire en {offered_language_name}.",
        context="utter_offer",
    )
    with (locales / "fr" / "LC_MESSAGES" / "messages.po").open("wb") as out:
        write_po(out, french)
    domain = Domain.from_dict(
        {
            "responses": {
                "utter_applied": [{"text": SOURCE}],
                "utter_offer": [{"text": "You seem to write in {offered_language_name}."}],
            }
        }
    )
    return CatalogueNLG(domain=domain, locales_dir=locales)


VALUES = {
    "language": "ar",
    "reference_code": "7K-3F9Q",
    "phone": "+33 6 12 34 56 78",
    "first_name": "Jean-Marc",
    "adults_count": 2,
    "territory_names": ["Nevers", "بورج"],
}


def test_values_in_an_arabic_text_by_telegram(nlg):
    message = nlg.render("utter_applied", {}, "telegram", VALUES)
    assert message["text"] == (
        f"رمزك {FSI}7K-3F9Q{PDI}، سنتصل بالرقم {FSI}+33 6 12 34 56 78{PDI}، "
        f"{FSI}Jean-Marc{PDI}؛ {FSI}2{PDI} بالغين في {FSI}Nevers{PDI} وبورج."
    )


def test_values_in_an_arabic_text_by_sms_only_where_they_would_move(nlg):
    message = nlg.render("utter_applied", {}, "sms", VALUES)
    # "7K-3F9Q" starts with a digit and "+33 6…" has spaces between numbers: they would
    # come out backwards; a lone number or one Latin word (even "Jean-Marc") would not.
    assert message["text"] == (
        f"رمزك {FSI}7K-3F9Q{PDI}، سنتصل بالرقم {FSI}+33 6 12 34 56 78{PDI}، "
        "Jean-Marc؛ 2 بالغين في Nevers وبورج."
    )


def test_an_arabic_name_in_a_french_text(nlg):
    values = {"language": "fr", "offered_language_name": "العربية"}
    assert nlg.render("utter_offer", {}, "telegram", values)["text"] == (
        f"Vous semblez écrire en {FSI}العربية{PDI}."
    )
    # By SMS a left-to-right text gets no isolate (it would cost the GSM-7 encoding).
    assert nlg.render("utter_offer", {}, "sms", values)["text"] == "Vous semblez écrire en العربية."


@pytest.mark.parametrize(
    ("value", "moves"),
    [
        ("+33 6 12 34 56 78", True),
        ("0612345678", False),
        ("EM-7K3F9Q", False),
        ("7K3F9Q-EM", True),
        ("Jean Dupont", False),
        ("Jean-Marc", False),
        ("Jean-Marc Dupont", True),
        ("01/12/2026", True),
        ("بورج", False),
        ("12", False),
    ],
)
def test_which_values_the_bidirectional_algorithm_would_reorder(value, moves):
    assert reorders_in_rtl(value) is moves
    assert isolate(value, "rtl", sms=True) == (f"{FSI}{value}{PDI}" if moves else value)


def test_isolates_never_cost_a_latin_sms_its_encoding():
    text = f"Votre code : {FSI}EM-7K3F9Q{PDI}."
    assert to_sms_friendly(text) == "Votre code : EM-7K3F9Q."
    assert SmsStats.of(to_sms_friendly(text)).encoding == "GSM-7"
    arabic = f"رمزك {FSI}7K-3F9Q{PDI}"
    assert to_sms_friendly(arabic) == arabic
