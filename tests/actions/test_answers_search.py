"""The fast phrase search finds what the plain search found, phrase for phrase and in the
same order: every phrase of the lexicon typed as is, with a typo, cut into other words and
inside other words, and the negations around negated nouns. A mistake in the index would
change readings silently; the plain search is kept here as the reference."""

from __future__ import annotations

import difflib
import random
from collections.abc import Sequence
from typing import Any

import pytest

from actions.answers import (
    _close,
    _find,
    _is_number_word,
    _Match,
    _matches,
    _negated,
    _span,
    lexicon,
)


def _plain_matches(
    tokens: Sequence[str], candidates: Sequence[tuple[Any, str]], fuzzy: bool, across: bool
) -> list[_Match]:
    """`_matches` before the index: every candidate searched."""
    found = []
    initials = {token[0] for token in tokens}
    for value, phrase in candidates:
        if phrase[0] not in initials:
            continue
        letters = len(phrase.replace(" ", ""))
        words = phrase.split()
        for start, end, exact in _find(tokens, phrase, fuzzy, across):
            typed = letters if exact else min(letters, len("".join(tokens[start:end])))
            forgiven = (
                ()
                if exact
                else tuple((t, w) for t, w in zip(tokens[start:end], words, strict=True) if t != w)
            )
            found.append(_Match(value, start, end, typed, exact, phrase=phrase, forgiven=forgiven))
    return found


def _plain_negated(tokens: Sequence[str], nouns: Sequence[tuple[Any, str]]) -> list[_Match]:
    """`_negated` before the look-up tables: every negation compared with every noun."""
    found = []
    negations: list[tuple[str, tuple[int, ...]]] = [(n, (0, 1)) for n in lexicon().negations]
    negations += [(n, (0,)) for n in lexicon().tight_negations]
    for value, noun in nouns:
        for start, end, exact in _find(tokens, noun):
            for negation, gaps in negations:
                size = len(negation.split())
                for gap in gaps:
                    begin = start - size - gap
                    if gap and " ".join(tokens[begin:start]) in lexicon().not_negations:
                        continue
                    if gap and _is_number_word(tokens[start - 1]):
                        continue
                    if begin >= 0 and " ".join(tokens[begin : begin + size]) == negation:
                        found.append(_Match(value, begin, end, _span(tokens, begin, end), exact))
            for negation in lexicon().post_negations:
                size = len(negation.split())
                for gap in (0, 1):
                    after = end + gap
                    if " ".join(tokens[after : after + size]) == negation:
                        stop = after + size
                        found.append(_Match(value, start, stop, _span(tokens, start, stop), exact))
    return found


def _typo(word: str, rng: random.Random) -> str:
    """The word with one letter after the first changed, dropped or doubled."""
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word))
    kind = rng.randrange(3)
    if kind == 0:
        return word[:at] + rng.choice("aeiouيوا") + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at] + word[at:]


def _messages(phrases: Sequence[str], rng: random.Random, count: int) -> list[list[str]]:
    """Messages made of the phrases: as is, with typos, joined, cut, between other words."""
    out = []
    for phrase in rng.sample(list(phrases), min(count, len(phrases))):
        words = phrase.split()
        other = rng.choice(phrases).split()
        out.append(words)
        out.append([_typo(w, rng) for w in words])
        out.append(["".join(words)])
        if len(words[0]) > 3:
            out.append([words[0][:2], words[0][2:], *words[1:]])
        out.append([*other[:2], *words, *other[-2:]])
        out.append(["و" + words[0], *words[1:], "نه"])
    return out


SLOTS = sorted(lexicon().phrases)


@pytest.mark.parametrize("slot", SLOTS)
def test_the_index_finds_every_phrase_the_plain_search_finds(slot):
    rng = random.Random(slot)
    candidates = list(lexicon().phrases[slot])
    phrases = [p for _, p in candidates]
    for tokens in _messages(phrases, rng, 25):
        for fuzzy, across in ((True, True), (True, False), (False, False)):
            assert _matches(tokens, candidates, fuzzy, across) == _plain_matches(
                tokens, candidates, fuzzy, across
            ), (tokens, fuzzy, across)


def test_the_index_finds_yes_no_words_and_titles_alike():
    rng = random.Random(0)
    candidates = [(intent, p) for intent, found in lexicon().intents.items() for p in found]
    candidates += [("title", "auto ecole"), ("title", "hotel social"), ("title", "cantal")]
    for tokens in _messages([p for _, p in candidates], rng, 120):
        assert _matches(tokens, candidates) == _plain_matches(tokens, candidates, True, True)


@pytest.mark.parametrize("slot", [s for s in SLOTS if lexicon().without.get(s)])
def test_negations_are_found_around_negated_nouns_as_before(slot):
    rng = random.Random(slot)
    nouns = list(lexicon().without[slot])
    before = [*lexicon().negations, *lexicon().tight_negations]
    messages = []
    for _, noun in nouns:
        negation, post = rng.choice(before), rng.choice(lexicon().post_negations)
        messages += [
            [*negation.split(), *noun.split()],
            [*negation.split(), "un", *noun.split()],
            [*negation.split(), "2", *noun.split()],
            [*noun.split(), *post.split()],
            [*noun.split(), "هم", *post.split()],
            [*post.split(), *noun.split(), *negation.split(), *noun.split(), *post.split()],
        ]
    for tokens in messages:
        assert _negated(tokens, nouns) == _plain_negated(tokens, nouns), tokens


def test_the_quick_bound_of_a_typo_leaves_every_comparison_as_it_was():
    words = sorted({w for _, p in lexicon().phrases["housing_situation"] for w in p.split()})
    for a in words[::7]:
        for b in words:
            if a[0] == b[0] and abs(len(a) - len(b)) <= 2:
                allowed = 1 if min(len(a), len(b)) < 9 else 2
                ratio = difflib.SequenceMatcher(None, a, b).ratio()
                assert _close(a, b) == (ratio >= 1 - (allowed + 0.5) / max(len(a), len(b)))
