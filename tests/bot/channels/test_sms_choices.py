"""Choices as numbered lines, and the replies that pick them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.choices import ChoiceNumbering, ChoiceStore, pick, render

YES_NO = [
    {"title": "Yes", "payload": '/inform{"right_to_work":"yes"}'},
    {"title": "No", "payload": '/inform{"right_to_work":"no"}'},
    {"title": "I don't know", "payload": "/dont_know"},
]
CHILDREN = [
    {"title": "None", "payload": '/inform{"number":"0"}'},
    {"title": "1", "payload": '/inform{"number":"1"}'},
    {"title": "2", "payload": '/inform{"number":"2"}'},
    {"title": "3", "payload": '/inform{"number":"3"}'},
]
ADULTS = [
    {"title": "1 (only me)", "payload": '/inform{"number":"1"}'},
    {"title": "2", "payload": '/inform{"number":"2"}'},
    {"title": "3", "payload": '/inform{"number":"3"}'},
]


def numbered(buttons: list[dict[str, str]]) -> ChoiceNumbering:
    numbering = ChoiceNumbering()
    numbering.add(buttons)
    return numbering


def test_numbered_lines_without_payloads() -> None:
    numbering = ChoiceNumbering()
    lines = numbering.add(YES_NO)
    assert lines == ["1. Yes", "2. No", "3. I don't know"]
    text = render("Do you have the right to work?", lines)
    assert text == "Do you have the right to work?\n1. Yes\n2. No\n3. I don't know"
    assert "/inform" not in text and "{" not in text


@pytest.mark.parametrize("reply", ["2", "2.", " 2 ", "2)", "(2)", "#2", "٢", "۲", "২"])
def test_number_reply_picks_the_choice(reply: str) -> None:
    numbering = numbered(YES_NO)
    assert pick(reply, numbering.payloads, numbering.titles) == '/inform{"right_to_work":"no"}'


@pytest.mark.parametrize("reply", ["4", "0", "22", "2 children", "two", "yes please", ""])
def test_other_replies_are_text(reply: str) -> None:
    numbering = numbered(YES_NO)
    assert pick(reply, numbering.payloads, numbering.titles) is None


@pytest.mark.parametrize("reply", ["yes", "YES", "Yes.", "i don't know", "I dont know"])
def test_reply_repeating_a_title_picks_it(reply: str) -> None:
    numbering = numbered(YES_NO)
    assert pick(reply, numbering.payloads, numbering.titles) is not None


def test_titles_that_are_numbers_get_letters() -> None:
    numbering = ChoiceNumbering()
    assert numbering.add(CHILDREN) == ["A. None", "B. 1", "C. 2", "D. 3"]
    payloads, titles = numbering.payloads, numbering.titles
    assert pick("B", payloads, titles) == '/inform{"number":"1"}'
    assert pick("b.", payloads, titles) == '/inform{"number":"1"}'
    # "2" means two children, not the second line.
    assert pick("2", payloads, titles) == '/inform{"number":"2"}'
    assert pick("none", payloads, titles) == '/inform{"number":"0"}'
    assert pick("7", payloads, titles) is None  # for NLU


def test_titles_numbered_in_order_keep_numbers() -> None:
    numbering = ChoiceNumbering()
    assert numbering.add(ADULTS) == ["1. 1 (only me)", "2. 2", "3. 3"]
    assert pick("2", numbering.payloads, numbering.titles) == '/inform{"number":"2"}'


def test_numbering_continues_across_the_messages_of_a_turn() -> None:
    numbering = ChoiceNumbering()
    book = [{"title": "Book this session", "payload": '/book{"workshop_id":"%s"}'}]
    first = numbering.add([{**book[0], "payload": '/book{"workshop_id":"a"}'}])
    second = numbering.add([{**book[0], "payload": '/book{"workshop_id":"b"}'}])
    assert first == ["1. Book this session"]
    assert second == ["2. Book this session"]
    assert pick("2", numbering.payloads, numbering.titles) == '/book{"workshop_id":"b"}'
    # Two identical titles: the title alone is ambiguous, so it is left to NLU.
    assert pick("book this session", numbering.payloads, numbering.titles) is None


def test_buttons_without_title_are_skipped_and_links_shown() -> None:
    numbering = ChoiceNumbering()
    lines = numbering.add(
        [{"title": "", "payload": "/x"}, {"title": "Site", "url": "https://example.org"}]
    )
    assert lines == ["Site: https://example.org"]
    assert numbering.payloads == {}


def test_store_replaces_and_clears(tmp_path: Path) -> None:
    store = ChoiceStore(tmp_path / "sms.db")
    store.save("+33600000001", numbered(YES_NO))
    assert store.resolve("+33600000001", "1") == '/inform{"right_to_work":"yes"}'
    assert store.resolve("+33600000002", "1") is None  # another sender
    store.close()
    reopened = ChoiceStore(tmp_path / "sms.db")  # durable
    assert reopened.resolve("+33600000001", "3") == "/dont_know"
    reopened.save("+33600000001", ChoiceNumbering())  # a turn without choices
    assert reopened.resolve("+33600000001", "1") is None


def test_store_expires(tmp_path: Path) -> None:
    now = [1000.0]
    store = ChoiceStore(tmp_path / "sms.db", ttl_s=60, clock=lambda: now[0])
    store.save("+33600000001", numbered(YES_NO))
    now[0] += 61
    assert store.resolve("+33600000001", "1") is None
