"""The conversation's language after a message: detection switches only what it may, asks
once per language, never moves on "ok" or "1", and never picks an unfinished language."""

from __future__ import annotations

import functools
from types import SimpleNamespace

from bot import language as identification
from bot.conversation_language import ASK, KEEP, SWITCH, Plan, language_menu_shown, plan

COMPLETE = {"fr", "en", "ar", "prs", "ps"}


def verdict(action: str, language: str | None):
    return lambda _current, _text: SimpleNamespace(
        action=SimpleNamespace(value=action), language=language
    )


def planned(text, decide, *, current="fr", source=None, offered=(), complete=COMPLETE):
    return plan(
        text, current=current, source=source, offered=offered, complete=complete, decide=decide
    )


def test_a_switch_of_detection_over_detection_or_nothing_switches():
    assert planned("x y z", verdict("switch", "prs"), source="detected") == Plan(
        SWITCH, "prs", "prs"
    )
    assert planned("x y z", verdict("switch", "prs"), current=None) == Plan(SWITCH, "prs", "prs")


def test_over_a_choice_or_a_hint_detection_only_asks():
    for source in ("choice", "hint"):
        assert planned("x y z", verdict("switch", "ar"), source=source).decision == ASK


def test_asked_once_per_language():
    assert planned("x y z", verdict("ask", "ar"), source="choice", offered=["ar"]).decision == KEEP
    # Asked, not answered, and still writing in it: follow the person.
    assert planned("x y z", verdict("ask", "ar"), source="hint", offered=["ar"]).decision == SWITCH
    assert planned("x y z", verdict("ask", "ps"), source="choice", offered=["ar"]).decision == ASK


def test_never_an_unfinished_language_nor_the_current_one():
    assert planned("x y z", verdict("switch", "ti")).decision == KEEP
    assert planned("x y z", verdict("switch", "ar"), complete={"fr", "en"}).decision == KEEP
    assert planned("x y z", verdict("ask", "fr")).decision == KEEP
    # Nothing chosen yet and nothing clear: the welcome's language menu is the question.
    assert planned("x y z", verdict("ask", "en"), current=None).decision == KEEP


def test_payloads_digits_and_ok_are_not_looked_at():
    def fails(_current, _text):
        raise AssertionError("not a text to detect")

    for text in ("", "/choose_language", "1", "۳", "?", "k"):
        assert planned(text, fails) == Plan()


def test_with_the_real_policy():
    decide = functools.partial(identification.decide, available=COMPLETE)
    # A clear Dari sentence in a French conversation the person chose: ask.
    dari = "سلام، می خواهم بدانم که آیا می توانم در این برنامه شرکت کنم"
    step = planned(dari, decide, source="choice")
    assert (step.decision, step.language) == (ASK, "prs")
    pashto = "زه غواړم پوه شم چې ایا زه په دې پروګرام کې ګډون کولای شم"
    step = planned(pashto, decide, current=None)
    assert (step.decision, step.language) == (SWITCH, "ps")
    for text in ("ok", "1", "merci", "oui", "Amina"):
        assert planned(text, decide, current="ar", source="detected").decision == KEEP
        assert planned(text, decide, current=None).decision == KEEP


def test_the_menu_counts_as_the_question():
    menu = SimpleNamespace(
        type_name="bot", data={"buttons": [{"payload": '/choose_language{"language":"fr"}'}]}
    )
    user = SimpleNamespace(type_name="user", data={})
    assert language_menu_shown([user, menu])
    assert not language_menu_shown([menu, user])
