"""CatalogueNLG: variation choice, translation, placeholders and Babel formatting."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.nlg import CatalogueNLG

from .conftest import REPO_ROOT

pytestmark = pytest.mark.asyncio

NBSP = "\u00a0"
NNBSP = "\u202f"


def plain(text: str) -> str:
    """Babel's no-break spaces as plain spaces, to keep the expectations readable."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


async def test_french_text_with_a_slot(nlg, tracker):
    message = await nlg.generate("utter_greet", tracker(language="fr", first_name="Amina"), "rest")
    assert message["text"] == "Bonjour Amina ! Je suis l'assistant EMILE."
    assert message["language"] == "fr"


async def test_english_is_the_source_text(nlg, tracker):
    message = await nlg.generate("utter_greet", tracker(language="en", first_name="Amina"), "rest")
    assert message["text"] == "Hello Amina! I am the EMILE assistant."
    assert message["language"] == "en"


@pytest.mark.parametrize("language", [None, "", "xx", "klingon", 3])
async def test_empty_or_unknown_language_is_french(nlg, domain, language):
    message = nlg.generate_from_slots("utter_menu", {"language": language}, "rest")
    assert message["text"] == "Que voulez-vous faire ?"
    assert message["language"] == "fr"


@pytest.mark.parametrize("language", ["EN", "en-GB", "en_US"])
async def test_language_codes_are_normalised(nlg, tracker, language):
    message = await nlg.generate("utter_menu", tracker(language=language), "rest")
    assert message["text"] == "What would you like to do?"


async def test_kwargs_win_over_slots(nlg, tracker):
    message = await nlg.generate(
        "utter_greet", tracker(language="fr", first_name="Amina"), "rest", first_name="Samir"
    )
    assert message["text"].startswith("Bonjour Samir !")


async def test_language_kwarg_renders_in_the_language_being_chosen(nlg, tracker):
    # An action that sets the slot renders before its events apply: it passes the language.
    message = await nlg.generate(
        "utter_language_set", tracker(language="fr"), "rest", language="en"
    )
    assert message["text"] == "I will speak English."


async def test_language_name_comes_from_the_language_table(nlg, tracker):
    message = await nlg.generate("utter_language_set", tracker(language="prs"), "rest")
    # No Dari catalogue yet: the French text, with the language's own name (isolated:
    # a right-to-left name in a left-to-right text, bot/bidi.py).
    assert message["text"] == "Je vais parler \u2068دری\u2069."
    assert message["language"] == "prs"


async def test_rasa_sdk_message_keys_are_not_values(nlg, tracker):
    # What rasa-sdk's dispatcher.utter_message sends beside `response`.
    sdk_keys = {
        "text": None,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": "utter_greet",
        "image": None,
        "attachment": None,
    }
    message = await nlg.generate(
        "utter_greet", tracker(language="en"), "rest", first_name="Ali", **sdk_keys
    )
    assert message["text"] == "Hello Ali! I am the EMILE assistant."


async def test_datetime_in_paris_time_french(nlg, tracker):
    message = await nlg.generate(
        "utter_workshop_confirmed",
        tracker(language="fr"),
        "rest",
        starts_at="2026-11-22T13:30:00Z",
        seats_left_count=3,
    )
    assert plain(message["text"]) == (
        "Vous êtes inscrit pour le 22 nov. 2026, 14:30. Il reste 3 places."
    )


async def test_datetime_in_paris_time_english_summer(nlg, tracker):
    message = await nlg.generate(
        "utter_workshop_confirmed",
        tracker(language="en"),
        "rest",
        starts_at="2026-07-01T08:05:00+00:00",
        seats_left_count=1200,
    )
    assert plain(message["text"]) == (
        "You are booked for Jul 1, 2026, 10:05 AM. 1,200 seats are left."
    )


async def test_naive_datetime_is_utc(nlg, tracker):
    message = await nlg.generate(
        "utter_workshop_confirmed", tracker(language="fr"), "sms", starts_at="2026-11-22T13:30:00"
    )
    assert plain(message["text"]) == "Inscrit : 22 nov. 2026, 14:30."


async def test_channel_variation_is_chosen(nlg, tracker):
    message = await nlg.generate(
        "utter_workshop_confirmed", tracker(language="en"), "sms", starts_at="2026-11-22T13:30Z"
    )
    assert plain(message["text"]) == "Booked: Nov 22, 2026, 2:30 PM."
    assert message["channel"] == "sms"


async def test_conditional_variation_is_chosen(nlg, tracker):
    eligible = await nlg.generate(
        "utter_verdict", tracker(language="fr", verdict="eligible"), "rest"
    )
    review = await nlg.generate(
        "utter_verdict", tracker(language="fr", verdict="to_review"), "rest"
    )
    assert eligible["text"] == "Bonne nouvelle : vous pouvez vous inscrire."
    assert review["text"] == "Un conseiller va lire vos réponses."


async def test_date(nlg, tracker):
    fr = await nlg.generate(
        "utter_sessions_on", tracker(language="fr"), "rest", session_date="2027-01-05"
    )
    en = await nlg.generate(
        "utter_sessions_on", tracker(language="en"), "rest", session_date="2027-01-05"
    )
    assert fr["text"] == "Prochaine séance le 5 janv. 2027."
    assert en["text"] == "Next session on Jan 5, 2027."


async def test_numbers(nlg, tracker):
    fr = await nlg.generate(
        "utter_household", tracker(language="fr", adults=2.0), "rest", people_count="12345"
    )
    en = await nlg.generate(
        "utter_household", tracker(language="en", adults=2.0), "rest", people_count=12345
    )
    assert plain(fr["text"]) == "Vous êtes 2 adultes. Personnes : 12 345."
    assert en["text"] == "You are 2 adults. People: 12,345."


async def test_lists_are_joined_in_the_locale(nlg, tracker):
    towns = ["Aurillac", "Mauriac", "Saint-Flour"]
    fr = await nlg.generate("utter_towns", tracker(language="fr"), "rest", towns=towns)
    en = await nlg.generate("utter_towns", tracker(language="en"), "rest", towns=towns)
    assert fr["text"] == "Villes principales : Aurillac, Mauriac et Saint-Flour."
    assert en["text"] == "Main towns: Aurillac, Mauriac, and Saint-Flour."


async def test_codes_are_shown_with_their_label_response(nlg, tracker):
    slots = tracker(language="fr", sectors=["building", "transport", "unknown_code"])
    message = await nlg.generate("utter_your_sectors", slots, "rest")
    assert message["text"] == "Vos métiers : Bâtiment, Transport et logistique et unknown_code."


async def test_buttons_are_translated_and_payloads_are_not(nlg, tracker, domain):
    message = await nlg.generate("utter_menu", tracker(language="fr"), "rest")
    assert message["buttons"] == [
        {"title": "Puis-je m'inscrire ?", "payload": "/check_eligibility"},
        {"title": "Parler à une personne", "payload": "/ask_human"},
        {
            "title": "Logement : hébergement d'urgence",
            # Doubled braces in the domain, as Rasa's own NLG reads them.
            "payload": '/inform{"housing_situation":"emergency_shelter"}',
        },
    ]
    # The domain itself is never changed.
    assert domain.responses["utter_menu"][0]["buttons"][0]["title"] == "Check if I can apply"


async def test_payload_placeholders_get_raw_values(nlg, tracker):
    message = await nlg.generate(
        "utter_workshop_item",
        tracker(language="fr"),
        "rest",
        title="Atelier",
        starts_at="2026-11-22T13:30:00Z",
        workshop_id=1234,
    )
    assert message["buttons"] == [
        {"title": "Réserver cette séance", "payload": '/inform{"workshop_id":"1234"}'}
    ]


async def test_json_payload_with_single_braces_is_sent_unchanged(nlg, tracker):
    message = await nlg.generate("utter_choose_language", tracker(language="en"), "rest")
    assert message["buttons"][0]["payload"] == '/choose_language{"language":"fr"}'


async def test_language_menu_keeps_native_names(nlg, tracker):
    message = await nlg.generate("utter_choose_language", tracker(language="fr"), "rest")
    assert message["text"] == "Choisissez votre langue."
    assert [b["title"] for b in message["buttons"]] == ["Français", "English", "دری"]


async def test_missing_placeholder_is_blank_and_logged(nlg, tracker, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.nlg"):
        message = await nlg.generate("utter_reference", tracker(language="fr"), "rest")
    assert message["text"] == "Votre numéro de dossier : ."
    assert "application_reference" in caplog.text


async def test_unset_slot_is_blank(nlg, tracker):
    message = await nlg.generate("utter_greet", tracker(language="en"), "rest")
    assert message["text"] == "Hello ! I am the EMILE assistant."


async def test_unreadable_value_is_shown_as_it_is(nlg, tracker, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.nlg"):
        message = await nlg.generate(
            "utter_sessions_on", tracker(language="en"), "rest", session_date="soon"
        )
    assert message["text"] == "Next session on soon."
    assert "session_date" in caplog.text


async def test_escaped_braces_stay_braces(nlg, tracker):
    message = await nlg.generate("utter_braces", tracker(language="fr", first_name="Ana"), "rest")
    assert message["text"] == "Tapez {menu} pour Ana."


async def test_broken_translation_falls_back_to_the_source(domain, locales, tracker, caplog):
    po = locales / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace("Bonjour {first_name} !", "Bonjour {first_name !"),
        encoding="utf-8",
    )
    nlg = CatalogueNLG(domain=domain, locales_dir=locales)
    message = await nlg.generate("utter_greet", tracker(language="fr", first_name="Ana"), "rest")
    assert message["text"] == "Hello Ana! I am the EMILE assistant."
    assert "Broken placeholders" in caplog.text


async def test_unknown_response_gives_none(nlg, tracker):
    assert await nlg.generate("utter_nothing_like_this", tracker(language="fr"), "rest") is None


async def test_partial_language_uses_its_text_and_locale(nlg, tracker):
    slots = tracker(language="ar")
    values = {"starts_at": "2026-11-22T13:30:00Z", "seats_left_count": 3}
    translated = await nlg.generate("utter_workshop_confirmed", slots, "rest", **values)
    # The values are isolated in the right-to-left text (bot/bidi.py, tests/bot/test_bidi.py).
    assert translated["text"].startswith("تم تسجيلك في \u206822")
    assert translated["text"].endswith("عدد الأماكن المتبقية: \u20683\u2069.")
    # A message Arabic lacks comes in French, with French dates.
    fallback = await nlg.generate("utter_sessions_on", slots, "rest", session_date="2027-01-05")
    assert fallback["text"] == "Prochaine séance le 5 janv. 2027."
    assert fallback["language"] == "ar"


async def test_domain_responses_kwarg_is_used(tracker, locales):
    # `rasa run` builds the NLG with an empty domain; ActionBotResponse passes the responses.
    nlg = CatalogueNLG(endpoint_config=EndpointConfig(type="bot.nlg.CatalogueNLG"), domain=None)
    nlg.catalogues = CatalogueNLG(locales_dir=locales).catalogues
    responses = {"utter_hi": [{"text": "Hello {first_name}!"}]}
    message = await nlg.generate(
        "utter_hi", tracker(language="en"), "rest", domain_responses=responses, first_name="Jo"
    )
    assert message["text"] == "Hello Jo!"
    assert "domain_responses" not in message


async def test_catalogues_are_compiled_once_and_lazily(domain, locales, tracker):
    mo = locales / "fr" / "LC_MESSAGES" / "messages.mo"
    nlg = CatalogueNLG(domain=domain, locales_dir=locales)
    assert not mo.exists()
    await nlg.generate("utter_menu", tracker(language="fr"), "rest")
    assert mo.exists()
    mtime = mo.stat().st_mtime_ns
    mo.write_bytes(b"not read again: the catalogue is cached")
    message = await nlg.generate("utter_menu", tracker(language="fr"), "rest")
    assert message["text"] == "Que voulez-vous faire ?"
    assert mo.stat().st_mtime_ns != mtime


async def test_read_only_locales_compile_in_memory(domain, locales, tracker, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr("bot.i18n.tempfile.mkstemp", refuse)
    nlg = CatalogueNLG(domain=domain, locales_dir=locales)
    message = await nlg.generate("utter_menu", tracker(language="fr"), "rest")
    assert message["text"] == "Que voulez-vous faire ?"
    assert not (locales / "fr" / "LC_MESSAGES" / "messages.mo").exists()


async def test_loaded_as_rasa_loads_it(domain, tracker, tmp_path, locales):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"nlg:\n  type: bot.nlg.CatalogueNLG\n  locales_dir: {locales}\n")
    config = read_endpoint_config(str(endpoints), "nlg")
    nlg = NaturalLanguageGenerator.create(config, domain)
    assert isinstance(nlg, CatalogueNLG)
    assert nlg.catalogues.locales_dir == Path(str(locales))
    # Agent.load_model refreshes `responses` only on TemplatedNaturalLanguageGenerator.
    assert isinstance(nlg, TemplatedNaturalLanguageGenerator)
    message = await nlg.generate("utter_menu", tracker(language="fr"), "rest")
    assert message["text"] == "Que voulez-vous faire ?"


async def test_rasa_run_order_empty_domain_then_model_load(tracker, domain, locales):
    # `rasa run`: Agent(generator=endpoints.nlg) has no domain yet...
    config = EndpointConfig(type="bot.nlg.CatalogueNLG", locales_dir=str(locales))
    nlg = NaturalLanguageGenerator.create(config, None)
    assert nlg.responses == {}
    # ...then Agent.load_model does this for TemplatedNaturalLanguageGenerator instances.
    assert isinstance(nlg, TemplatedNaturalLanguageGenerator)
    nlg.responses = domain.responses
    # RemoteAction._utter_responses passes no `domain_responses`: the attribute is used.
    message = await nlg.generate("utter_menu", tracker(language="fr"), "rest", text=None)
    assert message["text"] == "Que voulez-vous faire ?"


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_response_of_the_real_domain_renders(language, caplog, tmp_path):
    path = REPO_ROOT / "domain.yml"
    if not path.exists():
        pytest.skip("no domain.yml yet")
    real = Domain.from_path(str(path))
    # A copy, so that the compiled .mo files land in the scratch folder.
    locales = shutil.copytree(REPO_ROOT / "locales", tmp_path / "locales")
    nlg = CatalogueNLG(domain=real, locales_dir=locales)
    slots = DialogueStateTracker.from_events(
        "someone", [SlotSet("language", language)], slots=real.slots
    )
    with caplog.at_level(logging.ERROR, logger="bot.nlg"):
        for name in real.responses:
            message = await nlg.generate(name, slots, "rest")
            assert message is not None and message["language"] == language, name
    assert "Broken placeholders" not in caplog.text


async def test_codes_find_their_label_by_the_last_words_of_the_name(nlg, tracker):
    slots = tracker(language="fr")
    codes = ["no_right_to_work", "not_ready_to_move"]
    message = await nlg.generate("utter_reasons", slots, "rest", verdict_reasons=codes)
    assert message["text"] == ("Pourquoi : pas de droit au travail et pas de déménagement.")


# ---------------------------------------------------------------- numbered choices


@pytest.fixture(scope="module")
def real_nlg() -> CatalogueNLG:
    return CatalogueNLG(domain=Domain.load(str(REPO_ROOT / "domain.yml")))


@pytest.mark.parametrize("channel", ["rest", "collector", "telegram"])
async def test_the_menu_shows_the_numbers_to_type_on_every_channel(real_nlg, channel):
    message = real_nlg.generate_from_slots("utter_menu", {"language": "fr"}, channel)
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0].startswith("1. ") and titles[2].startswith("3. ")
    assert "metadata" not in message


async def test_sms_numbers_choices_itself(real_nlg):
    message = real_nlg.generate_from_slots("utter_menu", {"language": "fr"}, "sms")
    assert not message["buttons"][0]["title"].startswith("1.")


async def test_a_question_asked_again_after_a_miss_has_numbered_choices(real_nlg):
    slots = {"language": "en", "question_number": 4, "question_count": 12}
    first = real_nlg.generate_from_slots("utter_ask_work_situation", slots, "telegram")
    assert first["text"].startswith("(4/12) ")
    assert first["buttons"][0]["title"] == "No job"
    missed = {**slots, "question_misses": {"slot": "work_situation", "count": 1}}
    again = real_nlg.generate_from_slots("utter_ask_work_situation", missed, "telegram")
    assert again["buttons"][0]["title"] == "1. No job"
    assert again["buttons"][2]["title"] == "3. Temping (intérim)"


async def test_titles_that_are_numbers_are_not_numbered_again(real_nlg):
    missed = {"language": "en", "question_misses": {"slot": "children", "count": 1}}
    message = real_nlg.generate_from_slots("utter_ask_children", missed, "rest")
    assert [b["title"] for b in message["buttons"]][:3] == ["None", "1", "2"]


async def test_choices_from_an_action_come_after_the_responses_and_are_numbered(real_nlg):
    missed = {"language": "fr", "question_misses": {"slot": "territory_preferences", "count": 1}}
    extra = [{"title": "Cantal", "payload": '/inform{"territory": "cantal"}'}]
    message = real_nlg.render("utter_ask_territory_preferences", missed, "rest", {"choices": extra})
    assert [b["title"] for b in message["buttons"]] == ["1. Pas de préférence", "2. Cantal"]
