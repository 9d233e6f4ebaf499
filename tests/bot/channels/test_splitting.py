"""split_text: sentence, then word boundaries; never inside a word that fits."""

from __future__ import annotations

import random
import re

import pytest

from bot.channels.gsm import segments
from bot.channels.splitting import split_text

WORDS = re.compile(r"\S+")


def words_of(parts: list[str]) -> list[str]:
    return [w for part in parts for w in WORDS.findall(part)]


def test_short_text_is_one_part_and_blank_text_none() -> None:
    assert split_text("Hello.", 10) == ["Hello."]
    assert split_text("  Hello.  ", 6) == ["Hello."]
    assert split_text("", 10) == []
    assert split_text(" \n ", 10) == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("a", 0)


def test_splits_at_sentence_boundaries_first() -> None:
    text = "First sentence here. Second one is here! Third? Yes."
    assert split_text(text, 25) == ["First sentence here.", "Second one is here!", "Third? Yes."]


def test_sentences_packed_greedily() -> None:
    text = "One. Two. Three. Four."
    assert split_text(text, 10) == ["One. Two.", "Three.", "Four."]


def test_paragraphs_and_lines_before_sentences() -> None:
    text = "Intro line.\n\nWhere do you live?\n1. Paris region\n2. Lyon area\n3. Elsewhere"
    parts = split_text(text, 45)
    assert parts[0] == "Intro line."
    assert all(len(p) <= 45 for p in parts)
    assert "1. Paris region\n2. Lyon area" in "\n".join(parts)


def test_numbered_choice_is_not_a_sentence_end() -> None:
    text = "Choose:\n1. Yes please\n2. No thanks"
    parts = split_text(text, 14)
    # "1." is a list marker: never cut between "1." and its title.
    assert "1. Yes please" in parts
    assert "2. No thanks" in parts


def test_initial_is_not_a_sentence_end() -> None:
    parts = split_text("Ask M. Dupont about it. Then come back.", 24)
    assert parts == ["Ask M. Dupont about it.", "Then come back."]


def test_non_latin_sentence_ends() -> None:
    arabic = "مرحبا بك. هل أنت مستعد للانتقال؟ نعم أو لا."
    parts = split_text(arabic, 25)
    assert parts[0] == "مرحبا بك."
    assert "هل أنت مستعد للانتقال؟" in parts
    bengali = "আপনি কোথায় থাকেন। আপনি কি কাজ করেন।"
    assert split_text(bengali, 20) == ["আপনি কোথায় থাকেন।", "আপনি কি কাজ করেন।"]


def test_long_sentence_split_at_words() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    parts = split_text(text, 17)
    assert all(len(p) <= 17 for p in parts)
    assert words_of(parts) == text.split()


def test_single_word_longer_than_limit_is_cut() -> None:
    text = "see https://example.org/" + "x" * 40 + " now"
    parts = split_text(text, 16)
    assert all(len(p) <= 16 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_hard_cut_keeps_combining_marks_with_their_letter() -> None:
    word = "e\u0301" * 10  # é written as e + combining accent
    parts = split_text(word, 5)
    assert all(p[0] != "\u0301" for p in parts)
    assert "".join(parts) == word


def test_measure_in_sms_segments() -> None:
    sentence = "This sentence has exactly forty chars.. "
    text = sentence * 12  # 480 GSM-7 characters
    parts = split_text(text, 2, measure=segments)
    assert all(segments(p) <= 2 for p in parts)
    assert len(parts) == 2


@pytest.mark.parametrize("seed", range(30))
def test_never_breaks_a_word_that_fits(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = ["a", "to", "the", "house", "territory", "application", "é", "Lozère", "ok."]
    words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 200))]
    text = " ".join(words)
    limit = rng.randint(12, 80)
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert words_of(parts) == words  # same words, same order, none cut
