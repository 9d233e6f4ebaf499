"""SMS opt-out keywords (data/sms_keywords.yml) and the durable opt-out store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.optout import OPT_IN, OPT_OUT, Keywords, OptOutStore, normalize


@pytest.fixture(scope="module")
def keywords() -> Keywords:
    return Keywords.load()


@pytest.mark.parametrize(
    "message",
    [
        "STOP",
        "stop",
        " Stop ",
        "Stop.",
        "STOP!",
        "STOPALL",
        "stop all",
        "UNSUBSCRIBE",
        "Cancel",
        "END",
        "quit",
        "ARRET",
        "ARRÊT",
        "arrêt",
        "Arret !",
        "désabonner",
        "СТОП",  # Ukrainian and Russian
        "стоп",
        "відписатися",
        "Отписаться",
        "توقف",  # Arabic, Dari
        "إيقاف",
        "ايقاف",  # written without the hamza
        "বন্ধ",  # Bengali
        "ደው በል",  # Tigrinya
    ],
)
def test_opt_out_keywords(keywords: Keywords, message: str) -> None:
    assert keywords.match(message) == OPT_OUT


@pytest.mark.parametrize(
    "message",
    ["START", "start", "Unstop", "YES", "DEMARRER", "Démarrer", "старт", "ابدأ", "শুরু"],
)
def test_opt_in_keywords(keywords: Keywords, message: str) -> None:
    assert keywords.match(message) == OPT_IN


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "stop the questions",
        "please stop",
        "je veux arrêter le questionnaire",
        "cancel my booking",
        "stopper",
        "2",
        "bonjour",
        "ok",
    ],
)
def test_not_keywords(keywords: Keywords, message: str) -> None:
    assert keywords.match(message) is None


def test_normalize() -> None:
    assert normalize("  ARRÊT !! ") == "arret"
    assert normalize("«Stop»") == "stop"
    assert normalize("stop   all") == "stop all"
    assert normalize("أوقف") == normalize("اوقف")
    assert normalize("يك") == normalize("یک")  # Arabic and Persian yeh/kaf


def test_bengali_vowel_signs_are_not_dropped() -> None:
    assert normalize("বন্ধ") != normalize("বনধ")


def test_keyword_file_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "k.yml"
    path.write_text("opt_out: [STOP]\n", encoding="utf-8")
    with pytest.raises(ValueError):
        Keywords.load(path)


def test_store_is_durable(tmp_path: Path) -> None:
    store = OptOutStore(tmp_path / "sms.db")
    assert store.is_opted_out("+33600000001") is False
    store.opt_out("+33600000001", "STOP")
    assert store.is_opted_out("+33600000001") is True
    assert store.is_opted_out("+33600000002") is False
    store.close()

    reopened = OptOutStore(tmp_path / "sms.db")
    assert reopened.is_opted_out("+33600000001") is True
    reopened.opt_in("+33600000001", "START")
    assert reopened.is_opted_out("+33600000001") is False
    reopened.close()
    assert OptOutStore(tmp_path / "sms.db").is_opted_out("+33600000001") is False


@pytest.mark.asyncio
async def test_store_async_calls(tmp_path: Path) -> None:
    store = OptOutStore(tmp_path / "sms.db")
    await store.aopt_out("+447700900001")
    assert await store.ais_opted_out("+447700900001") is True
    await store.aopt_in("+447700900001")
    assert await store.ais_opted_out("+447700900001") is False
