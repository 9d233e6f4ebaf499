"""Reading a typed message as the answer to the question a form asks.

While a form asks a slot, the person's message is first read as an answer to it, with:
the titles of the choices they were shown (in their language; "3" picks the third one),
the phrases of data/answers.yml, the yes / no / "I don't know" words where the slot maps
those intents (domain.yml), and numbers in digits or words where the slot takes one.
Accents, case, punctuation and small typos do not matter. Only when nothing reads as an
answer may the message be an interruption (a question, "menu", "stop").

Pure functions over data: no network, no Rasa; the lexicon is read once, on first use.
"""

from __future__ import annotations

import difflib
import functools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import yaml

from actions.counting import (
    ADULT_AGE,
    EVERYONE,
    Moving,
    coming_count,
    counting_words,
    grown_kids,
    having_said,
    less_than,
    moving_clauses,
    names_kids,
    noun_count,
    only_me,
    restarted,
    unglued,
    without_ages,
    without_grown_counts,
    without_months,
    years_since,
)
from actions.eligibility import as_whole_number
from actions.exclusions import excluded
from actions.lexicon_file import LEXICON_FILE, lexicon_data
from common.choices import LABEL, Choice, buttons_shown, picked_choice
from common.paths import PROJECT_ROOT
from common.text import is_arabic_script, normalise

NUMBER_WORDS_FILE: Final = PROJECT_ROOT / "data" / "number_words.yml"
# Words of at least this many letters forgive one typo (two from 9 letters on). Arabic
# script writes no short vowels: its words are shorter and closer ("ولاد" children, "واحد"
# one), so a typo is forgiven from one letter more.
_FUZZY_MIN_LENGTH: Final = 4
_FUZZY_MIN_LENGTH_ARABIC: Final = 5
# Phrases typed with other word breaks ("بی کار") are recognised from this many letters on.
_SPLIT_MIN_LENGTH: Final = 5
# Arabic words carry "and", "in/with", "for", "so" and the article in front ("والعائلة",
# "بالشارع", "فالزنقة", "للعمل"): a word is also read without them (longest first).
# "عال" is "على" + the article, as Levantine and Gulf speakers type it ("عالسافوا").
_PROCLITICS: Final = ("وبال", "وال", "بال", "فال", "كال", "عال", "لل", "ال", "و", "ف", "ب", "ل")
_BARE_MIN_LENGTH: Final = 3
_ARTICLE: Final = "ال"
# Letters a word is spelt with or without, as people write vowels (normalised forms).
_VOWEL_LETTERS: Final = frozenset("اويaeiouy")
# Parts of a title that are details, not its name: "Emergency shelter (115, CHRS)".
_TITLE_DETAIL: Final = re.compile(r"\(([^)]*)\)")
INTENT_WORDS: Final = ("affirm", "deny", "dont_know")
# Pashto letters as Eastern (Peshawar, Nangarhar) speakers pronounce and type them.
_EASTERN_PASHTO: Final = str.maketrans({"ښ": "خ", "ږ": "گ"})
# A Persian keyboard has no ږ: people type ز ("لز لز پوهیزم"), as the folding's ژ.
_PERSIAN_KEYBOARD_PASHTO: Final = str.maketrans({"ږ": "ز"})
# "My" at the end of a kin noun (Dari "ـم", Arabic "ـي", normalised): "برادر همسرم".
_POSSESSIVE: Final = ("م", "ي")
_POSSESSIVE_LATIN: Final = ("m",)  # Dari in Latin letters: "brar khanomam"
# A pause in a message: the number before the first one may be the whole answer.
_CLAUSE: Final = re.compile(r"[،,;؛:.!؟?…\n]+")


# ---------------------------------------------------------------- the lexicon


@dataclass(frozen=True)
class Lexicon:
    """data/answers.yml, normalised."""

    # intent -> normalised phrases (every language)
    intents: Mapping[str, tuple[str, ...]]
    # normalised negation phrases (every language), said before the noun: "pas de permis"
    negations: tuple[str, ...]
    # normalised negations said after the noun, in the verb: "لایسنس ندارم", "کار نه لرم"
    post_negations: tuple[str, ...]
    # slot -> [(value, normalised phrase)]
    phrases: Mapping[str, tuple[tuple[Any, str], ...]]
    # slot -> [(value, normalised noun said with a negation)]
    without: Mapping[str, tuple[tuple[Any, str], ...]]
    # slot -> normalised nouns of one person each, for the questions that count people
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the slots whose count includes the person typing ("me, my wife and my mother": 3)
    counts_speaker: frozenset[str] = frozenset()
    # slot -> normalised words for the person typing ("me", "زه"): "me and my brother" names
    # two people with one noun
    speaker_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # normalised "I have" / "I don't have" words, and the slots they do not answer
    possession: frozenset[str] = frozenset()
    possession_not_for: frozenset[str] = frozenset()
    # normalised negations said only right before their noun ("نه سند")
    tight_negations: tuple[str, ...] = ()
    # normalised word pairs that start with a negation of another language: "ما سره"
    not_negations: frozenset[str] = frozenset()
    # slot -> values (as `_key`s), weakest first, that lose to any value listed after them
    # or not listed when both are found ("licence" is in "foreign licence", "learning for
    # the licence" and "no licence" alike)
    weak: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # slot -> normalised phrases of a weak value that state it, not merely name its noun
    # ("I exchanged my Afghan licence": a licence now; "OFPRA granted me asylum": a right to
    # work): they rank as a value that is not weak
    strong_phrases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # normalised words that, after "I don't know", make it "whether" ("نمیدانم که…", "je ne
    # sais pas si…"), and endings that say "…or not" ("…دارم یا نه"): the person does not know
    whether: frozenset[str] = frozenset()
    or_not: tuple[str, ...] = ()
    # normalised words read as nothing (the Latin Dari izafe "e": "kar e sabet")
    particles: frozenset[str] = frozenset()
    # slot -> normalised phrases that lose to another value found exactly, with the slot's
    # "no <noun>" readings: "خانه ندارم، پیش دوستم میخوابم" (no home, I sleep at a friend's)
    # is hosted
    weak_phrases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # slot -> normalised phrases that lose even to a weak phrase of another value ("somebody
    # gave me a place" loses to "115", which loses to the hotel it found)
    weakest_phrases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # slot -> normalised nouns that name two people (Arabic duals: "ولدين", two boys)
    pairs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # slot -> ({value key: value}, negations): one of the negations right before a phrase of
    # the first value says the second ("مش عايز اسافر", I don't want to travel: "no")
    negated: Mapping[str, tuple[Mapping[str, Any], tuple[str, ...]]] = field(default_factory=dict)
    # normalised words for "now", and the slots where what is named after them is the answer
    # ("قبلا لیون بودم، حالا در لیل": before Lyon, now Lille)
    now: frozenset[str] = frozenset()
    now_slots: frozenset[str] = frozenset()
    # slot -> ({value key: value}, verbs): one of the verbs said after a phrase of the first
    # value makes it the second ("لایسنس افغانی را تبدیل کردم", I exchanged my Afghan
    # licence: "yes")
    exchanged: Mapping[str, tuple[Mapping[str, Any], tuple[str, ...]]] = field(default_factory=dict)
    # normalised "is not" words said right after a value ("پاریس نیستیم", we are not in Paris)
    not_there: tuple[str, ...] = ()
    # normalised "was" words said right after a value ("پاریس بودیم", we were in Paris)
    was: tuple[str, ...] = ()
    # normalised words people address the reader with ("ورور", brother): at either end of a
    # message, right beside a yes / no / "I don't know", they name nobody
    vocatives: frozenset[str] = frozenset()
    # the same said right before it ("mch f paris", "مو بليون": not in Paris, not in Lyon)
    not_there_before: tuple[str, ...] = ()
    # normalised words for "before that", said after the value that is the answer ("بالـCHRS،
    # قبلها كنت برا": in a shelter, before that outside)
    before_now: frozenset[str] = frozenset()


def _key(value: Any) -> str:
    """A value (a list too) as a comparable key."""
    return json.dumps(value, sort_keys=True)


def _value(slot: str, raw: Any) -> Any:
    if isinstance(raw, str) and raw.startswith("["):
        # A list of values: "[]" (none), "[cantal, savoie]" (the mountain territories).
        return yaml.safe_load(raw)
    return raw


def _phrases(by_language: Any) -> list[str]:
    out: list[str] = []
    for language, phrases in (by_language or {}).items():
        for phrase in phrases or []:
            if isinstance(phrase, bool):
                # YAML reads a bare yes / no / on / off as a boolean: quote it.
                raise ValueError(f"{LEXICON_FILE}: {language}: quote {phrase!r}")
            out.append(normalise(str(phrase)))
            if language == "ps":
                # Eastern speakers say ښ "kh" and ږ "g", and type them so on a Persian
                # keyboard: "خه" for "ښه" (good), "پوهیگم" for "پوهیږم" (I understand).
                out.append(normalise(str(phrase).translate(_EASTERN_PASHTO)))
                out.append(normalise(str(phrase).translate(_PERSIAN_KEYBOARD_PASHTO)))
    # Once each: a phrase listed twice, or in two languages, would be matched twice.
    return list(dict.fromkeys(p for p in out if p))


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of data/answers.yml (read once per process)."""
    data = lexicon_data()
    intents = {name: tuple(_phrases(langs)) for name, langs in (data.get("intents") or {}).items()}
    negations = tuple(_phrases(data.get("negations")))
    post_negations = tuple(_phrases(data.get("post_negations")))
    phrases: dict[str, tuple[tuple[Any, str], ...]] = {}
    without: dict[str, tuple[tuple[Any, str], ...]] = {}
    for slot, values in (data.get("slots") or {}).items():
        found: list[tuple[Any, str]] = []
        nouns: list[tuple[Any, str]] = []
        for raw, entry in (values or {}).items():
            value = _value(slot, raw)
            entry = dict(entry or {})
            nouns += [(value, normalise(str(n))) for n in entry.pop("without", None) or []]
            found += [(value, p) for p in _phrases(entry)]
        phrases[slot] = tuple(found)
        without[slot] = tuple(nouns)
    people: dict[str, tuple[str, ...]] = {}
    pairs: dict[str, tuple[str, ...]] = {}
    speaker: set[str] = set()
    speaker_words: dict[str, tuple[str, ...]] = {}
    for slot, entry in (data.get("people") or {}).items():
        entry = dict(entry or {})
        if entry.pop("speaker", False):
            speaker.add(slot)
        speaker_words[slot] = tuple(_phrases(entry.pop("self", None)))
        pairs[slot] = tuple(_phrases(entry.pop("pairs", None)))
        people[slot] = tuple(_phrases(entry))
    possession = dict(data.get("possession") or {})
    not_for = possession.pop("not_for", None)
    now = dict(data.get("now") or {})
    return Lexicon(
        intents,
        negations,
        post_negations,
        phrases,
        without,
        people,
        frozenset(speaker),
        speaker_words,
        possession=frozenset(_phrases(possession)),
        possession_not_for=frozenset(not_for or ()),
        tight_negations=tuple(_phrases(data.get("tight_negations"))),
        not_negations=frozenset(_phrases(data.get("not_negations"))),
        weak={
            # A weak value may be a list, as a lexicon value may ("[cantal, savoie]").
            slot: tuple(_key(_value(slot, v)) for v in values or ())
            for slot, values in (data.get("weak") or {}).items()
        },
        strong_phrases={
            slot: frozenset(_phrases(by_language))
            for slot, by_language in (data.get("strong_phrases") or {}).items()
        },
        whether=frozenset(_phrases(data.get("whether"))),
        or_not=tuple(_phrases(data.get("or_not"))),
        particles=frozenset(_phrases(data.get("particles"))),
        weak_phrases={
            slot: frozenset(_phrases(by_language))
            for slot, by_language in (data.get("weak_phrases") or {}).items()
        },
        weakest_phrases={
            slot: frozenset(_phrases(by_language))
            for slot, by_language in (data.get("weakest_phrases") or {}).items()
        },
        pairs=pairs,
        negated={slot: _flips(slot, entry) for slot, entry in (data.get("negated") or {}).items()},
        now=frozenset(_phrases({k: v for k, v in now.items() if k not in ("slots", "was")})),
        now_slots=frozenset(now.get("slots") or ()),
        not_there=tuple(_phrases(data.get("not_there"))),
        was=tuple(_phrases(now.get("was"))),
        vocatives=frozenset(_phrases(data.get("vocatives"))),
        not_there_before=tuple(_phrases(data.get("not_there_before"))),
        before_now=frozenset(_phrases(data.get("before_now"))),
        exchanged={
            slot: _flips(slot, entry) for slot, entry in (data.get("exchanged") or {}).items()
        },
    )


def _flips(slot: str, entry: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A slot's `negated` entry: {said value key: meant value}, and its negations."""
    entry = dict(entry or {})
    words = tuple(_phrases(entry.pop("by", None)))
    return {_key(_value(slot, said)): _value(slot, meant) for said, meant in entry.items()}, words


@functools.lru_cache(maxsize=1)
def _intent_phrases() -> frozenset[str]:
    """Every yes / no / "I don't know" phrase of the lexicon, normalised."""
    return frozenset(p for phrases in lexicon().intents.values() for p in phrases)


def is_intent_word(text: str, intent: str) -> bool:
    """Whether the whole of `text` is one of the lexicon's words for `intent` ("yes", "non",
    "jsp", "بلی"), in any language."""
    return normalise(text) in lexicon().intents.get(intent, ())


@functools.lru_cache(maxsize=1)
def number_words() -> Mapping[str, Mapping[str, int]]:
    """Numbers written in words, by language (data/number_words.yml)."""
    with NUMBER_WORDS_FILE.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream) or {}
    return {
        str(lang): {normalise(str(word)): int(n) for word, n in words.items()}
        for lang, words in data.items()
    }


# ---------------------------------------------------------------- the choices shown


def shown_choices(events: Iterable[Mapping[str, Any]]) -> list[Choice]:
    """The choices of the bot's last turn before the person's latest message, in order."""
    turn: list[list[Choice]] = []
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
            continue
        if kind == "bot" and seen_user:
            turn.append(buttons_shown((event.get("data") or {}).get("buttons") or []))
    return [choice for message in reversed(turn) for choice in message]


# ---------------------------------------------------------------- reading an answer


@dataclass(frozen=True)
class SlotSpec:
    """What a slot accepts: its values (None: any), and the intents that answer it."""

    slot: str
    values: tuple[Any, ...] | None = None
    # intent -> the value it means (domain.yml `from_intent` mappings of this form)
    intents: Mapping[str, Any] = field(default_factory=dict)
    # the entities whose values are the slot's value (domain.yml `from_entity`)
    entities: tuple[str, ...] = ()
    number_range: tuple[int, int] | None = None
    many: bool = False  # a list slot: every value named counts

    def accepts(self, value: Any) -> bool:
        if self.number_range is not None and isinstance(value, int):
            low, high = self.number_range
            return low <= value <= high
        if self.values is None or isinstance(value, list):
            return True
        return value in self.values


@dataclass(frozen=True)
class _Match:
    value: Any
    start: int  # token positions in the message
    end: int
    length: int  # letters matched: the longest phrase wins
    exact: bool
    # A yes / no / "I don't know" word: a phrase of the slot found exactly wins over it
    # ("رسید دارم", "I have a receipt": the receipt says more than "I have").
    generic: bool = False
    # The lexicon's phrase ("" for a negated noun, "no <noun>")
    phrase: str = ""
    # The words typed that a typo was forgiven in, each with the phrase's word it was read
    # as (a fuzzy match of two words or more).
    forgiven: tuple[tuple[str, str], ...] = ()


def _similar(a: str, b: str) -> bool:
    """The same word, or one typo away (two from 9 letters on), same first letter."""
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if abs(len(a) - len(b)) > 2 or a[0] != b[0]:
        return False
    # Behind the Arabic article the word starts anew: "الكار" (the car) is no typo of "الدار"
    # (the house).
    if a.startswith(_ARTICLE) and b.startswith(_ARTICLE) and a[2:3] != b[2:3]:
        return False
    if shortest < (_FUZZY_MIN_LENGTH_ARABIC if is_arabic_script(a) else _FUZZY_MIN_LENGTH):
        return False
    return _close(a, b)


@functools.lru_cache(maxsize=65536)
def _close(a: str, b: str) -> bool:
    # Words of a message meet the same lexicon words again and again: remembered.
    allowed = 1 if min(len(a), len(b)) < 9 else 2
    # One edit in a word of n letters leaves a ratio of about 1 - 1/n.
    least = 1 - (allowed + 0.5) / max(len(a), len(b))
    matcher = difflib.SequenceMatcher(None, a, b)
    # The letters in common, in any order, bound the ratio from above: most pairs stop there.
    return matcher.quick_ratio() >= least and matcher.ratio() >= least


def _find(
    tokens: Sequence[str], phrase: str, fuzzy: bool = True, across: bool = True
) -> Iterable[tuple[int, int, bool]]:
    """Where `phrase` occurs in `tokens` (word by word, each word allowing a typo unless
    not `fuzzy`; cut into other words too unless not `across`)."""
    words = phrase.split()
    size = len(words)
    first = words[0]
    for start in range(len(tokens) - size + 1):
        # Cheap tests first: most windows differ from the first letter on.
        if tokens[start][0] != first[0]:
            continue
        window = tokens[start : start + size]
        if window == words:
            yield start, start + size, True
        elif fuzzy and all(_similar(t, w) for t, w in zip(window, words, strict=True)):
            yield start, start + size, False
    if not fuzzy or not across:
        return
    # The same letters cut into other words: "autoecole" for "auto ecole", "بی کار" for
    # "بیکار", "یاد میگیرم" for "یاد می گیرم" (Dari and Pashto write these with a space, a
    # zero-width non-joiner or nothing). Letter for letter: a typo allowed across word
    # breaks would take "اقامه لرم" (I have a permit) for "اقامه نه لرم" (I have none).
    joined = "".join(words)
    if len(joined) < _SPLIT_MIN_LENGTH:
        return
    for start in range(len(tokens)):
        if tokens[start][0] != first[0]:
            continue
        letters = ""
        for end in range(start, min(len(tokens), start + size + 2)):
            letters += tokens[end]
            if len(letters) >= len(joined):
                if letters == joined and end - start + 1 != size:
                    yield start, end + 1, True
                break


@dataclass(frozen=True, eq=False)
class _PhraseIndex:
    """A list of phrases indexed by first word and by letters, to look only for the few
    that may occur in a message (most of a slot's phrases share no word with it)."""

    # first word -> the positions of the phrases that start with it
    by_first: Mapping[str, tuple[int, ...]]
    # (first letter, length) -> first words: the only words a typo may be read as
    buckets: Mapping[tuple[str, int], tuple[str, ...]]
    # letters without spaces -> positions, for phrases typed with other word breaks
    by_letters: Mapping[str, tuple[int, ...]]
    longest: int  # the most words of a phrase


@functools.lru_cache(maxsize=256)
def _phrase_index(phrases: tuple[str, ...]) -> _PhraseIndex:
    """The index of a list of phrases (built on first use; a slot's lists recur)."""
    by_first: dict[str, list[int]] = {}
    by_letters: dict[str, list[int]] = {}
    longest = 0
    for position, phrase in enumerate(phrases):
        words = _words(phrase)
        longest = max(longest, len(words))
        by_first.setdefault(words[0], []).append(position)
        joined = "".join(words)
        if len(joined) >= _SPLIT_MIN_LENGTH:
            by_letters.setdefault(joined, []).append(position)
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in by_first:
        buckets.setdefault((word[0], len(word)), []).append(word)
    return _PhraseIndex(
        {w: tuple(at) for w, at in by_first.items()},
        {key: tuple(words) for key, words in buckets.items()},
        {letters: tuple(at) for letters, at in by_letters.items()},
        longest,
    )


def _indexed(candidates: Sequence[tuple[Any, str]]) -> _PhraseIndex:
    """The index of the candidates' phrases."""
    return _phrase_index(tuple(map(_PHRASE, candidates)))


_PHRASE: Final = operator.itemgetter(1)


@functools.lru_cache(maxsize=65536)
def _starting_with(index: _PhraseIndex, token: str) -> tuple[int, ...]:
    """The positions of the phrases whose first word is `token` or a typo of it (the words
    of messages recur: remembered)."""
    found: list[int] = []
    for length in range(len(token) - 2, len(token) + 3):
        for word in index.buckets.get((token[0], length), ()):
            if _similar(token, word):
                found += index.by_first[word]
    return tuple(found)


def _possible(
    index: _PhraseIndex, tokens: Sequence[str], fuzzy: bool = True, across: bool = True
) -> list[int]:
    """The positions, in order, of every phrase `_find` may find in `tokens` (and a few it
    will not): a match starts with the phrase's first word or a typo of it (same first
    letter, two letters longer or shorter at most), or has the phrase's letters cut into
    words."""
    found: set[int] = set()
    for token in set(tokens):
        if not fuzzy:
            found.update(index.by_first.get(token, ()))
            continue
        found.update(_starting_with(index, token))
    if fuzzy and across:
        for start in range(len(tokens)):
            letters = ""
            for end in range(start, min(len(tokens), start + index.longest + 2)):
                letters += tokens[end]
                found.update(index.by_letters.get(letters, ()))
    return sorted(found)


def _matches(
    tokens: Sequence[str],
    candidates: Iterable[tuple[Any, str]],
    fuzzy: bool = True,
    across: bool = True,
) -> list[_Match]:
    candidates = list(candidates)
    return _indexed_matches(tokens, candidates, _indexed(candidates), fuzzy, across)


def _indexed_matches(
    tokens: Sequence[str],
    candidates: Sequence[tuple[Any, str]],
    index: _PhraseIndex,
    fuzzy: bool = True,
    across: bool = True,
) -> list[_Match]:
    """`_matches`, with the candidates' index (one per list, for its several readings)."""
    found = []
    for position in _possible(index, tokens, fuzzy, across):
        value, phrase = candidates[position]
        letters = len(phrase.replace(" ", ""))
        words = phrase.split()
        for start, end, exact in _find(tokens, phrase, fuzzy, across):
            # A typo counts the letters typed: "hotel" is "hotel", not "hostel" (longer).
            typed = letters if exact else min(letters, len("".join(tokens[start:end])))
            forgiven = (
                ()
                if exact
                else tuple((t, w) for t, w in zip(tokens[start:end], words, strict=True) if t != w)
            )
            found.append(_Match(value, start, end, typed, exact, phrase=phrase, forgiven=forgiven))
    return found


def _negated(tokens: Sequence[str], nouns: Iterable[tuple[Any, str]]) -> list[_Match]:
    """Values said as "no <noun>" / "pas de <noun>" / "sans <noun>", or with the negated
    verb after the noun ("لایسنس ندارم", "کاغذ نشته", "kaghaz na laram")."""
    found = []
    # The negation right before the noun, or one word before ("pas d un permis", "ما لقيت
    # خدمة"); "نه" only right before it ("نه سند لرم نه اقامه": neither papers nor permit),
    # since one word later it is often "no" answering the question ("نه، دوه ماشومان").
    before, after = _negation_tables()
    not_negations = lexicon().not_negations
    nouns = list(nouns)
    for position in _possible(_indexed(nouns), tokens):
        value, noun = nouns[position]
        for start, end, exact in _find(tokens, noun):
            # (rank of the negation, gap, first word): in the lexicon's order
            hits: list[tuple[int, int, int]] = []
            for size, table in before.items():
                for gap in (0, 1):
                    begin = start - size - gap
                    if begin >= 0:
                        said = " ".join(tokens[begin : begin + size])
                        hits += [
                            (rank, gap, begin) for rank, gaps in table.get(said, ()) if gap in gaps
                        ]
            for _, gap, begin in sorted(hits):
                # Not when the two words say something else: Pashto "ما سره" (with me) in
                # "ما سره لایسنس شته" (I have a licence with me).
                if gap and " ".join(tokens[begin:start]) in not_negations:
                    continue
                # Nor over a number: "ربعة ولا خمسة سنين" (four or five years).
                if gap and _is_number_word(tokens[start - 1]):
                    continue
                found.append(_Match(value, begin, end, _span(tokens, begin, end), exact))
            # Right after the noun, or one word after ("لایسنس هم ندارم").
            post: list[tuple[int, int, int]] = []
            for size, table in after.items():
                for gap in (0, 1):
                    said = " ".join(tokens[end + gap : end + gap + size])
                    post += [(rank, gap, size) for rank, _ in table.get(said, ())]
            for _, gap, size in sorted(post):
                stop = end + gap + size
                found.append(_Match(value, start, stop, _span(tokens, start, stop), exact))
    return found


_NegationTable = dict[int, dict[str, list[tuple[int, tuple[int, ...]]]]]


@functools.lru_cache(maxsize=1)
def _negation_tables() -> tuple[_NegationTable, _NegationTable]:
    """The negations said before a noun and after it, by number of words, each with its
    rank in the lexicon's order and the gaps allowed between it and the noun (looked up
    instead of compared one by one with every noun found)."""
    lex = lexicon()
    before: _NegationTable = {}
    ranked = [(n, (0, 1)) for n in lex.negations] + [(n, (0,)) for n in lex.tight_negations]
    for rank, (negation, gaps) in enumerate(ranked):
        table = before.setdefault(len(negation.split()), {})
        table.setdefault(negation, []).append((rank, gaps))
    after: _NegationTable = {}
    for rank, negation in enumerate(lex.post_negations):
        table = after.setdefault(len(negation.split()), {})
        table.setdefault(negation, []).append((rank, (0, 1)))
    return before, after


@functools.lru_cache(maxsize=1)
def _number_word_set() -> frozenset[str]:
    """Every language's number words, in one set (asked for every negation of a message)."""
    return frozenset(word for words in number_words().values() for word in words)


def _is_number_word(token: str) -> bool:
    """Whether a word is a number: digits, or a number word of any language."""
    return token.isdigit() or token in _number_word_set()


def _span(tokens: Sequence[str], start: int, end: int) -> int:
    """The letters of tokens[start:end]: a negation one word away from its noun covers the
    word between, so "لایسنس رانندگی نه دارم" outweighs the phrase "لایسنس رانندگی" inside it."""
    return len("".join(tokens[start:end]))


def _undecided(tokens: Sequence[str]) -> bool:
    """Whether a message says the person does not know whether: "I don't know" then
    "whether" ("نمیدانم که…", "je ne sais pas si…"), or a statement ending "…or not"
    ("اجازه کار دارم یا نه"): the statement inside is not their answer."""
    lex = lexicon()
    text = " ".join(tokens)
    if any(text == ending or text.endswith(" " + ending) for ending in lex.or_not):
        return True
    # Found letter for letter (words cut otherwise too): "نمیتانم که" (I can't) is no typo.
    for match in _matches(tokens, [(None, p) for p in lex.intents.get("dont_know", ())]):
        # "whether" right after it
        if match.exact and lex.whether.intersection(tokens[match.end : match.end + 1]):
            return True
    return False


def without_proclitic(token: str) -> str:
    """An Arabic-script word without its leading "و", "ب", "ف", "ل" or article, if what
    remains is a word of three letters or more; else the word itself."""
    if not is_arabic_script(token):
        return token
    for proclitic in _PROCLITICS:
        if token.startswith(proclitic) and len(token) - len(proclitic) >= _BARE_MIN_LENGTH:
            return token[len(proclitic) :]
    return token


def _with_article(token: str) -> str:
    """A one-letter proclitic taken off, the article kept: "فالتجديد" -> "التجديد"."""
    if is_arabic_script(token) and token[:1] in "وفبلك" and token[1:3] == "ال":
        return token[1:]
    return token


@functools.lru_cache(maxsize=1)
def _phrase_words() -> frozenset[str]:
    """Every word of every phrase of the lexicon, normalised."""
    lex = lexicon()
    phrases = [p for found in lex.intents.values() for p in found]
    phrases += [p for found in lex.phrases.values() for _, p in found]
    return frozenset(word for phrase in phrases for word in phrase.split())


def with_mi(token: str) -> str:
    """A Kabuli verb written without the "ی" of its "می" / "نمی" ("مکنم", "نمتانم", "مرم")
    as the lexicon writes it ("میکنم", "نمیتانم", "میرم"), when the lexicon has that word."""
    # Normalised, "ی" is written "ي".
    for short, full in (("نم", "نمي"), ("م", "مي")):
        if token.startswith(short) and not token.startswith(full):
            written = full + token[len(short) :]
            if written in _phrase_words():
                return written
    return token


def _cut(token: str, strip: Callable[[str], str], known: frozenset[str]) -> str:
    """`strip(token)`, unless the token is a word of the lexicon and what remains is not."""
    bare = strip(token)
    return token if token in known and bare not in known else bare


def _without_letter(token: str) -> str:
    """A one-letter proclitic taken off a word without the article, the article left on the
    others: "فمدرسة السياقة" -> "مدرسة السياقة" (stripping every proclitic would also take
    "السياقة" to "سياقة")."""
    if (
        is_arabic_script(token)
        and token[:1] in "وفبلك"
        and token[1:3] != _ARTICLE
        and len(token) - 1 >= _BARE_MIN_LENGTH
    ):
        return token[1:]
    return token


def _all_matches(tokens: Sequence[str], candidates: Sequence[tuple[Any, str]]) -> list[_Match]:
    """Matches in the words as typed, then in the words without proclitics, with and
    without the article, with Kabuli verbs written out, and without one-letter proclitics
    only; then phrases whose words are found each in one of these forms. A word of the
    lexicon is cut only into another: "فرانسه" (France) is not "ف" + "رانسه" (a typo of
    "روانه", fluent); "وماما" is "و" + "ماما"."""
    index = _indexed(candidates)
    found = _indexed_matches(tokens, candidates, index)
    seen = [list(tokens)]
    known = _phrase_words()
    for strip in (without_proclitic, _with_article, with_mi, _without_letter):
        bare = [_cut(token, strip, known) for token in tokens]
        if bare not in seen:
            seen.append(bare)
            # Not joined across words: Pashto "د فرانسې" (of France) would be "د" + "رانسې",
            # "درانسی" (Drancy), once its "ف" is taken for the Arabic "so". Typos are
            # forgiven in the first readings; the last only keeps an article.
            fuzzy = strip is not _without_letter
            found += _indexed_matches(bare, candidates, index, fuzzy=fuzzy, across=False)
    if len(seen) > 1:
        forms = [set(forms) for forms in zip(*seen, strict=True)]
        found += _mixed_matches(forms, candidates, index)
    return found


@functools.lru_cache(maxsize=65536)
def _words(phrase: str) -> tuple[str, ...]:
    """A phrase's words (phrases meet every message: split once)."""
    return tuple(phrase.split())


def _mixed_matches(
    forms: Sequence[set[str]],
    candidates: Sequence[tuple[Any, str]],
    index: _PhraseIndex,
) -> list[_Match]:
    """Phrases of two words or more found exactly with each word in any of its forms: one
    stripped, the next as typed ("الايل دو فرانس": "ايل" without its article, "فرانس" with
    its ف, which a whole stripped message would have taken off)."""
    known = set().union(*forms)
    starting = sorted(at for word in known for at in index.by_first.get(word, ()))
    found = []
    for position in starting:
        value, phrase = candidates[position]
        words = _words(phrase)
        if len(words) < 2:
            continue
        for start in range(len(forms) - len(words) + 1):
            if all(w in forms[start + i] for i, w in enumerate(words)):
                letters = len(phrase.replace(" ", ""))
                found.append(_Match(value, start, start + len(words), letters, True))
    return found


def _best(matches: list[_Match], many: bool) -> list[Any]:
    """The value of the longest match (none when two values tie), or every value for lists."""
    if not matches:
        return []
    if any(m.exact and not m.generic for m in matches):
        # A phrase of the slot says which answer; a yes / no word beside it only agrees
        # or hesitates ("عندي وصل": I have a receipt, "no, I'm French").
        matches = [m for m in matches if not m.generic]
    # A word found exactly wins over a typo of another as long ("نمیدانم", I don't know, is
    # one letter from "نمیتانم", I can't).
    ordered = sorted(matches, key=lambda m: (-m.length, not m.exact, m.generic, m.start))
    if many:
        taken: list[_Match] = []
        for match in ordered:
            if all(match.end <= t.start or match.start >= t.end for t in taken):
                taken.append(match)
        values: list[Any] = []
        for match in sorted(taken, key=lambda m: m.start):
            for value in match.value if isinstance(match.value, list) else [match.value]:
                if value not in values:
                    values.append(value)
        return values
    best = ordered[0]
    rivals = {
        json.dumps(m.value, sort_keys=True)
        for m in ordered
        if m.length == best.length and m.exact == best.exact and m.generic == best.generic
    }
    return [best.value] if len(rivals) == 1 else []


def _without_weak_phrases(
    matches: list[_Match], weak: frozenset[str] | None, negated_are_weak: bool = True
) -> list[_Match]:
    """The matches less those of weak phrases and negated nouns ("no home") when another
    value is found exactly, elsewhere in the message, by a phrase that is not weak (where
    somebody sleeps says more). Not by words inside the weak one: "ما عندي بيت" is no home."""
    if weak is None:
        return matches

    # A match inside a weak phrase of the same value (a noun said with "no", words read one by
    # one, a shorter phrase) is that phrase's reading.
    spans = [(m.start, m.end, _key(m.value)) for m in matches if m.phrase and m.phrase in weak]

    def inside_weak(match: _Match) -> bool:
        return any(
            start <= match.start and match.end <= end and key == _key(match.value)
            for start, end, key in spans
        )

    def is_weak(match: _Match) -> bool:
        if match.phrase:
            # A shorter phrase of the same value inside a weak one is read with it: "شوية"
            # (a little) in "الكتابة صعبة شوية" (writing is a little hard).
            return match.phrase in weak or inside_weak(match)
        return negated_are_weak or inside_weak(match)

    strong = [m for m in matches if m.exact and not m.generic and not is_weak(m)]

    def outweighed(match: _Match) -> bool:
        return any(
            _key(s.value) != _key(match.value) and (s.end <= match.start or s.start >= match.end)
            for s in strong
        )

    kept = [m for m in matches if m.generic or not is_weak(m) or not outweighed(m)]
    # The words of a weak phrase that lost say nothing else either: "paris ke na yam, lyon ke
    # osegam" (not in Paris, in Lyon) is not Paris.
    lost = [m for m in matches if m.phrase in weak and not m.generic and outweighed(m)]
    return [
        m for m in kept if m.generic or not any(d.start <= m.start and m.end <= d.end for d in lost)
    ]


def _strongest(
    matches: list[_Match], weak: Sequence[str], stated: frozenset[str] = frozenset()
) -> list[_Match]:
    """The matches less those of a weaker value than one found exactly: "لایسنس مې په
    افغانستان کې اخیستی" is a foreign licence ("no"), not a "yes"; "no licence, but I am
    learning" is learning. A phrase in `stated` ranks as a value that is not weak."""
    if not weak:
        return matches

    def rank(match: _Match) -> int:
        key = _key(match.value)
        # "I exchanged my Afghan licence": the foreign licence is what it was.
        if match.phrase in stated or key not in weak:
            return len(weak)
        return weak.index(key)

    # A value found in a word of two letters does not overrule: it is too often a small
    # word of another language (Arabic "مي", mum, is Pashto "مې", my).
    strong = [m for m in matches if m.exact and not m.generic and m.length > 2]
    if not strong:
        return matches
    # A weaker value is kept when it holds the stronger one's words: it is a longer reading
    # of them ("ما نفهم", I don't understand, holds "نفهم", I understand).
    return [
        m
        for m in matches
        if m.generic
        or all(rank(m) >= rank(s) or m.start <= s.start < s.end <= m.end for s in strong)
    ]


@functools.lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """The words of the lexicon's negations and of "whether": small words of the language
    ("sara", with; "لرم", I have; "kant", it is, in "ila kant"), not spellings of a value's
    noun."""
    lex = lexicon()
    # "ila kant savoie mzyan" (if it is Savoie, good): "kant" is no typo of "kantal".
    everything = [*lex.negations, *lex.post_negations, *lex.not_negations, *lex.whether]
    # "بودیم" (we were) is no typo of "بوندی" (Bondy).
    everything += lex.was
    return frozenset(w for p in everything for w in p.split())


@functools.lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    """The one-word phrases of the lexicon, of every slot and intent, normalised."""
    lex = lexicon()
    everything = [p for phrases in lex.intents.values() for p in phrases]
    everything += [p for found in lex.phrases.values() for _, p in found]
    return frozenset(p for p in everything if " " not in p)


def _without_false_typos(tokens: Sequence[str], matches: list[_Match]) -> list[_Match]:
    """The matches, less one-word typos of a word the message has exactly as another
    value's word ("بالکل", certainly, is a word, not a typo of "بالاك", maybe), or that the
    lexicon knows as a word of its own ("نمیتانم", I can't, is no typo of "نمیدانم", I don't
    know)."""
    exact: dict[int, set[str]] = {}
    for m in matches:
        if m.exact:
            for position in range(m.start, m.end):
                exact.setdefault(position, set()).add(_key(m.value))
    known = _lexicon_words()
    # A small word of the language is no typo either: Pashto "sara" (with) is neither
    # "sata" (hours, in "interim sara kar kawm") nor "sarak" (street, in "khala sara").
    small = _function_words()
    return [
        m
        for m in matches
        if m.exact
        or (
            m.end - m.start != 1
            # "nadarom" may be read as "nadaram": both are small words; "sara" is not "sata".
            and not any(typed in small and word not in small for typed, word in m.forgiven)
        )
        or (
            m.end - m.start == 1
            and not exact.get(m.start, set()) - {_key(m.value)}
            and tokens[m.start] not in known
            and tokens[m.start] not in small
        )
    ]


def _people_count(
    tokens: Sequence[str],
    spec: SlotSpec,
    phrases: Sequence[_Match],
    words: Mapping[str, int],
) -> int | None:
    """How many people a message lists ("me, my wife and my mother": 3 adults; "two boys
    and a girl": 3 children), when it names two or more; else None.

    Each noun of the slot's `people` is one person (two for its `pairs`, Arabic duals:
    "ولدين وبنت", two boys and a girl), or the number right before it; the
    person typing counts too where the slot says so, and a word for them ("me", "زه")
    beside one noun makes two named ("زه او زما ورور", me and my brother). A phrase of the
    slot that spans two of the nouns ("husband and wife") is a count already: then this
    says nothing.
    """
    nouns = lexicon().people.get(spec.slot)
    if not nouns:
        return None
    candidates = [(1, n) for n in nouns] + [(2, n) for n in lexicon().pairs.get(spec.slot, ())]
    named: list[_Match] = []
    for match in sorted(_all_matches(tokens, candidates), key=lambda m: -m.length):
        if all(match.end <= other.start or match.start >= other.end for other in named):
            named.append(match)
    named = _one_person_each(tokens, named)
    if len(named) == 1 and named[0].value == 1 and spec.slot in lexicon().counts_speaker:
        # Exact words only: "me", "من", "زه" are too short to forgive a typo.
        self_words = set(lexicon().speaker_words.get(spec.slot, ()))
        outside = [*tokens[: named[0].start], *tokens[named[0].end :]]
        if not self_words.intersection(outside):
            return None
    elif sum(m.value for m in named) < 2:
        return None
    for phrase in phrases:
        if sum(phrase.start <= m.start and m.end <= phrase.end for m in named) >= 2:
            return None
    total = 1 if spec.slot in lexicon().counts_speaker else 0
    covered = {at for m in named for at in range(m.start, m.end)}
    for match in named:
        # The word before is a number only when it is not itself a noun counted ("ولدين
        # وبنت": "two boys" is a noun of two, not "two" girls).
        before = tokens[match.start - 1] if match.start - 1 not in covered | {-1} else ""
        # "وجوج بنات" (and two girls): the number carries the "and" in front.
        bare = without_proclitic(before)
        count = int(bare) if bare.isdigit() else words.get(before, words.get(bare))
        if count is None and match.end < len(tokens):
            # Arabic also says it after the noun, "خواتاتي جوج" (my two sisters); not when
            # it starts the next item ("مراتي جوج ولاد": my wife, two children).
            after = tokens[match.end]
            follows = tokens[match.end + 1 : match.end + 2]
            if not follows or follows[0] in counting_words().and_words:
                count = int(after) if after.isdigit() else words.get(after)
        total += match.value if count is None else count
    return total


def _one_person_each(tokens: Sequence[str], named: list[_Match]) -> list[_Match]:
    """The kin nouns less the first of two said as one person: "برادر همسرم", "brar
    khanomam" (my wife's brother), "اخت زوجتي" (my wife's sister): a bare noun right before
    one that carries the possessive ending; "خانمم، مادرم" (my wife, my mother) carry it both."""
    ordered = sorted(named, key=lambda m: m.start)
    out: list[_Match] = []
    for position, match in enumerate(ordered):
        after = ordered[position + 1] if position + 1 < len(ordered) else None
        if after is not None and after.start == match.end:
            first, second = tokens[match.end - 1], tokens[after.end - 1]
            ending = second[-1:]
            endings = _POSSESSIVE if is_arabic_script(second) else _POSSESSIVE_LATIN
            # Not when "and" joins them: "اخويا واختي" (my brother and my sister).
            joined = is_arabic_script(second) and tokens[after.start].startswith("و")
            if ending in endings and first[-1:] != ending and not joined:
                continue
        out.append(match)
    return out


def choice_value(choice: Choice, spec: SlotSpec) -> tuple[bool, Any]:
    """(True, value) when a choice's payload answers the slot, else (False, None)."""
    entities = choice.entities
    for entity in (spec.slot, *spec.entities):
        if entity in entities:
            return True, entities[entity]
    intent = choice.intent
    if intent is not None and intent in spec.intents:
        return True, spec.intents[intent]
    return False, None


def _title_candidates(choices: Sequence[Choice], spec: SlotSpec) -> list[tuple[Any, str]]:
    """(value, phrase) for each choice title, and for its name without details."""
    out = []
    for choice in choices:
        answers, value = choice_value(choice, spec)
        if not answers:
            continue
        if spec.number_range is not None:
            value = as_whole_number(value)
            if value is None:
                continue
        out += [(value, phrase) for phrase in _title_phrases(choice.title)]
    return out


@functools.lru_cache(maxsize=4096)
def _title_phrases(title: str) -> tuple[str, ...]:
    """A choice title's phrases: its whole title and its name without details, normalised
    (the same titles are shown again and again: remembered)."""
    title = LABEL.sub("", title)
    return tuple(
        phrase for phrase in {normalise(title), normalise(_TITLE_DETAIL.sub(" ", title))} if phrase
    )


def read_answer(
    text: str,
    spec: SlotSpec,
    choices: Sequence[Choice] = (),
    number_words: Mapping[str, Mapping[str, int]] | None = None,
) -> tuple[bool, Any]:
    """(True, value) when `text` answers the slot described by `spec`, else (False, None)."""
    picked = picked_choice(text, choices)
    if picked is not None:
        answers, value = choice_value(picked, spec)
        if answers:
            if spec.number_range is not None:
                value = as_whole_number(value)
            if spec.many and not isinstance(value, list):
                value = [value]
            return (True, value) if value is not None else (False, None)
    # Every language's number words in one map, for a question that takes a number.
    words: dict[str, int] = {}
    lead: int | None = None
    if spec.number_range is not None:
        words = _all_number_words(number_words)
        # "Three... no, four", "so two": what was said before is not the answer.
        text = restarted(text, words, without_proclitic)
        lead = _lead_number(text, spec, words)
    people = spec.number_range is not None and spec.slot in lexicon().people
    moving: Moving | None = None
    if people:
        counts_speaker = spec.slot in lexicon().counts_speaker
        self_words = frozenset(lexicon().speaker_words.get(spec.slot, ()))
        if counts_speaker and only_me(text, self_words):
            return True, 1  # "only me, my wife stays": the others explain
        moving = moving_clauses(text, without_proclitic, words, _persons(), self_words)
        if moving.dropped and not moving.kept:
            # "My daughter stays in Kabul": none of them moves (the person typing does).
            return _checked(1 if counts_speaker else 0, spec)
        text = " ".join(moving.kept)
    tokens = [t for t in normalise(text).split() if t not in lexicon().particles]
    grown = 0
    if spec.number_range is not None:
        tokens = unglued(tokens, words)
    if spec.slot in counting_words().years_since:
        # "Since I was 15" ("من انا عمري 15 سنة", "از ۱۵ سالگی"): an age, not years of work.
        tokens, ages = without_ages(tokens, words, without_proclitic, counting_words().ages_only)
        if len(ages) == 2 and not any(t.isdigit() or t in words for t in tokens):
            # "From 15, now I am 45": the years between the two ages.
            return _checked(abs(ages[1] - ages[0]), spec)
    if people:
        tokens, ages = without_ages(tokens, words, without_proclitic)
        # Ages or "grown" ("my eldest daughter, 22"): the same children said twice. Where
        # adults are counted, an age is a grown child's only beside a son or a daughter: "my
        # mother and my sister, who is 20" lists the sister already.
        adults = spec.slot in lexicon().counts_speaker
        aged = sum(age >= ADULT_AGE for age in ages)
        if adults and not names_kids(tokens, without_proclitic):
            aged = 0
        grown = max(aged, grown_kids(tokens, words, without_proclitic))
        if adults and grown:
            tokens = without_grown_counts(tokens, words, without_proclitic)
    if not tokens:
        return False, None
    # A title that is a yes / no word ("نه", "هو", "Yes") is read as one: a phrase of the
    # slot beside it says more ("نه پوهېږم", I don't know: "maybe", not the title "no").
    titles = _title_candidates(choices, spec)
    intent_words = _intent_phrases()
    candidates = [title for title in titles if title[1] not in intent_words]
    candidates += list(lexicon().phrases.get(spec.slot, ()))
    yes_no = [title for title in titles if title[1] in intent_words]
    # "I have" says yes to "do you have…?", not to "are you ready to move?" ("نی، اینجا کار
    # دارم": no, I have work here).
    unsaid = lexicon().possession if spec.slot in lexicon().possession_not_for else frozenset()
    yes_no += [
        (value, phrase)
        for intent, value in spec.intents.items()
        for phrase in lexicon().intents.get(intent, ())
        if phrase not in unsaid
    ]
    matches = _all_matches(tokens, candidates) + _negated(
        tokens, lexicon().without.get(spec.slot, ())
    )
    matches += [replace(m, generic=True) for m in _all_matches(tokens, yes_no)]
    matches += _contradicted(tokens, spec, matches)
    matches = _exchanged(tokens, spec.slot, matches)
    if spec.number_range is None:
        matches = _without_vocatives(tokens, matches)
    matches = _without_false_typos(tokens, matches)
    # "In the shelter now; before that, outside": "before that" first, then "now".
    matches = _said_before_now(tokens, spec.slot, matches)
    matches = _said_now(tokens, spec.slot, matches)
    matches = _without_past(tokens, spec.slot, matches)
    if not spec.many:
        matches = _without_denied(tokens, matches)
    matches = _strongest(
        matches,
        lexicon().weak.get(spec.slot, ()),
        lexicon().strong_phrases.get(spec.slot, frozenset()),
    )
    matches = _without_weak_phrases(
        matches, lexicon().weakest_phrases.get(spec.slot), negated_are_weak=False
    )
    matches = _without_weak_phrases(matches, lexicon().weak_phrases.get(spec.slot))
    if "dont_know" in spec.intents and _undecided(tokens):
        return _checked(spec.intents["dont_know"], spec)
    if spec.number_range is not None:
        found, value, said = _read_number(tokens, spec, matches, words, lead)
        if found and isinstance(value, int) and moving is not None:
            less = _less_stayers(value, tokens, text, spec, moving, words)
            if less < value and spec.slot not in lexicon().counts_speaker:
                # The grown one may be the one who stays ("the eldest is 22, he does not
                # come"): the more of the two is taken off, not both.
                return _checked(max(value - max(value - less, grown), 0), spec)
            value = less
        if not found and grown and spec.slot in lexicon().counts_speaker:
            return _checked(1 + grown, spec)  # "me and my elder son": only grown ones listed
        if found and grown and isinstance(value, int):
            # Grown sons and daughters move as adults: added to the people listed (not to a
            # number said), taken from the children.
            if spec.slot not in lexicon().counts_speaker:
                return _checked(max(value - grown, 0), spec)
            # Not when the phrase read names the son already ("انا وولدي", me and my son).
            kids = counting_words().kids
            in_phrase = any(
                m.value == value and kids.intersection(map(without_proclitic, m.phrase.split()))
                for m in matches
                if not m.generic
            )
            if not said and not in_phrase:
                return _checked(value + grown, spec)
        return found, value
    if spec.many:
        # "Not Rouen", "لوزر نه، کانتال": a name ruled out is not wanted; alone, the person
        # has no preference.
        named = [m for m in matches if m.value == [] or not excluded(tokens, m.start, m.end)]
        if len(named) < len(matches) and not any(m.value != [] for m in named):
            return True, []
        matches = _without_typo_extras(_descriptions_as_reasons(named))
    values = [v for v in _best(matches, spec.many) if spec.accepts(v)]
    if spec.many and not values and any(m.value == [] for m in matches):
        return True, []  # "no preference"
    if not values:
        return False, None
    if spec.many:
        return True, values
    return True, values[0]


@functools.lru_cache(maxsize=1)
def _persons() -> frozenset[str]:
    """The words that name someone other than the person typing: kin, children (every
    people question's nouns, one word each)."""
    counting = counting_words()
    nouns = {word for found in lexicon().people.values() for word in found}
    nouns |= {word for found in lexicon().pairs.values() for word in found}
    nouns |= counting.kids.union(*counting.slot_nouns.values())
    return frozenset(word for word in nouns if " " not in word)


def _less_stayers(
    value: int,
    tokens: Sequence[str],
    text: str,
    spec: SlotSpec,
    moving: Moving,
    words: Mapping[str, int],
) -> int:
    """The children "I have" less those the message says stay ("یو ماشوم لرم خو هغه په
    افغانستان کې دی": I have one, he is in Afghanistan: 0; "five, two of them do not come":
    3), when no number is said with a word for coming ("فقط پسر خوردم با من میایه", only my
    little son comes with me, is said of the others)."""
    nouns = counting_words().slot_nouns.get(spec.slot, frozenset()) | counting_words().kids
    if (
        spec.slot in lexicon().counts_speaker
        or not moving.dropped
        or moving.stayers is None
        or not having_said(text)
        or coming_count(tokens, nouns, words, without_proclitic) is not None
    ):
        return value
    if moving.stayers == EVERYONE:
        return 0
    return max(value - moving.stayers, 0)


def _without_typo_extras(matches: list[_Match]) -> list[_Match]:
    """The matches of a list less the values read only through a typo when others are found
    exactly: a common word one typo from a trade or a place ("انگور", grapes, from "اهنگر",
    a smith; "تهران" from "ترکان") would add a value nobody said. A word with an ending more
    or less is no typo ("mayenne" for "mayen")."""
    exact = {_key(m.value) for m in matches if m.exact and not m.generic and m.value != []}
    if not exact:
        return matches
    return [
        m
        for m in matches
        if m.exact or m.generic or _key(m.value) in exact or _only_endings(m.forgiven)
    ]


def _only_endings(forgiven: Sequence[tuple[str, str]]) -> bool:
    """Whether each word typed is the lexicon's word with an ending or a vowel letter added or
    dropped ("mayenne" / "mayen", "ترجمانی" / "ترجمان", "سيكيوريتي" / "سيكوريتي"): another
    spelling of it, not a typo."""
    return bool(forgiven) and all(
        typed.startswith(word) or word.startswith(typed) or _one_vowel_apart(typed, word)
        for typed, word in forgiven
    )


def _one_vowel_apart(a: str, b: str) -> bool:
    """Whether the longer word is the shorter with one vowel letter more (Arabic-script long
    vowels and Latin vowels are spelt freely)."""
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    if len(longer) != len(shorter) + 1:
        return False
    return any(
        longer[i] in _VOWEL_LETTERS and longer[:i] + longer[i + 1 :] == shorter
        for i in range(len(longer))
    )


def _descriptions_as_reasons(matches: list[_Match]) -> list[_Match]:
    """The matches less the descriptions (a phrase of several values: "کوه", the mountains)
    that cover a value named by itself: "ساووا را خوش دارم چون کوه دارد" is Savoie, and the
    mountains say why, not Cantal too."""

    def values(match: _Match) -> list[Any]:
        return match.value if isinstance(match.value, list) else [match.value]

    named = {v for m in matches if not m.generic and len(values(m)) == 1 for v in values(m)}
    return [m for m in matches if len(values(m)) < 2 or not named.intersection(values(m))]


def _said_now(tokens: Sequence[str], slot: str, matches: list[_Match]) -> list[_Match]:
    """The values named after the last word for "now", when one is ("كنت في باريس ودابا في
    تولوز": Toulouse); else every match."""
    if slot not in lexicon().now_slots:
        return matches
    now = lexicon().now
    marks = [i for i, t in enumerate(tokens) if t in now or without_proclitic(t) in now]
    if not marks or not any(not m.generic and m.start > marks[-1] for m in matches):
        return matches
    return [m for m in matches if m.generic or m.start > marks[-1]]


def _without_past(tokens: Sequence[str], slot: str, matches: list[_Match]) -> list[_Match]:
    """The matches less the values said with "was" right after them, when another value is
    named without it: "اول پاریس بودیم، آمدیم لیون" (we were in Paris, we came to Lyon) is
    Lyon; "پاریس بودیم" alone stays as read."""
    if slot not in lexicon().now_slots:
        return matches
    past = lexicon().was
    before = {_key(m.value) for m in matches if not m.generic and _followed_by(tokens, m.end, past)}
    current = {
        _key(m.value) for m in matches if not m.generic and not _followed_by(tokens, m.end, past)
    }
    gone = before - current
    if not gone or not current - before:
        return matches
    return [m for m in matches if m.generic or _key(m.value) not in gone]


def _said_before_now(tokens: Sequence[str], slot: str, matches: list[_Match]) -> list[_Match]:
    """The values named before the first word for "before that", when values are named on
    both sides of it ("بالـCHRS من شهرين، قبلها كنت نايم برا": the shelter); else every
    match."""
    if slot not in lexicon().now_slots:
        return matches
    marks = [at for phrase in lexicon().before_now for at in _phrase_starts(tokens, phrase)]
    if not marks:
        return matches
    mark = min(marks)
    named = [m for m in matches if not m.generic]
    if not any(m.end <= mark for m in named) or not any(m.start > mark for m in named):
        return matches
    return [m for m in matches if m.generic or m.end <= mark]


def _contradicted(tokens: Sequence[str], spec: SlotSpec, matches: Sequence[_Match]) -> list[_Match]:
    """A negation right before a phrase of a value the slot's `negated` names, read as the
    value it names, over both: "مش عايز اسافر" (I don't want to travel) is "no"."""
    flips, negations = lexicon().negated.get(spec.slot, ({}, ()))
    found = []
    for m in matches:
        if m.generic or _key(m.value) not in flips:
            continue
        meant = flips[_key(m.value)]
        for negation in negations:
            size = len(negation.split())
            if m.start >= size and " ".join(tokens[m.start - size : m.start]) == negation:
                length = m.length + len(negation.replace(" ", ""))
                found.append(_Match(meant, m.start - size, m.end, length, m.exact))
    return found


def _followed_by(tokens: Sequence[str], position: int, phrases: Iterable[str]) -> bool:
    """Whether one of `phrases` starts at `position` of `tokens`, word for word."""
    return any(" ".join(tokens[position : position + len(p.split())]) == p for p in phrases)


def _without_denied(tokens: Sequence[str], matches: list[_Match]) -> list[_Match]:
    """The matches less the values said with "is not" right after them, or after a list they
    start ("…, پاریس او لیون نه دي"), or with "not" right before them (`not_there_before`):
    "در لیل هستیم، پاریس نیستیم" is Lille; "پاریس نیستیم" alone is no answer (better asked
    again than read wrong)."""
    denied = lexicon().not_there
    denied_before = lexicon().not_there_before
    and_words = counting_words().and_words

    def said_not(match: _Match) -> bool:
        if _followed_by(tokens, match.end, denied):
            return True
        # "mch f paris", "مو بليون": the "not" comes first in Arabic (a yes / no word is not
        # denied: "مش متاكد" is doubt).
        return not match.generic and any(
            match.start >= len(p.split())
            and _followed_by(tokens, match.start - len(p.split()), (p,))
            for p in denied_before
        )

    # "پاریس او لیون نه دي" (Paris and Lyon are not): the "not" covers every value of the
    # list it ends, not only the last one. From the end, so that a list of three is covered.
    out = {id(m) for m in matches if said_not(m)}
    for m in sorted(matches, key=lambda m: -m.start):
        if m.generic or m.end >= len(tokens) or tokens[m.end] not in and_words:
            continue
        if any(id(n) in out and n.start == m.end + 1 for n in matches):
            out.add(id(m))
    return [m for m in matches if id(m) not in out]


def _without_vocatives(tokens: Sequence[str], matches: list[_Match]) -> list[_Match]:
    """The matches less a word of address at either end of the message, right beside a yes /
    no / "I don't know": "نه پوهیږم ورور" (I don't know, brother) names no brother who hosts."""
    vocatives = lexicon().vocatives
    said = [m for m in matches if m.generic]

    def addressed(match: _Match) -> bool:
        if match.generic or match.end - match.start != 1 or tokens[match.start] not in vocatives:
            return False
        if match.start == len(tokens) - 1:
            return any(g.end == match.start for g in said)
        return match.start == 0 and any(g.start == match.end for g in said)

    return [m for m in matches if not addressed(m)]


def _exchanged(tokens: Sequence[str], slot: str, matches: list[_Match]) -> list[_Match]:
    """The matches, a value the slot's `exchanged` names read as the one it became when one
    of its verbs is said after it: a licence from abroad exchanged for a French one is a
    licence ("license afghani ra badal kardom"); the verb alone says nothing."""
    turns, verbs = lexicon().exchanged.get(slot, ({}, ()))
    if not turns:
        return matches
    denied = lexicon().not_there
    # "وبدلتها" (and I exchanged it): the verb with its proclitic.
    bare = [without_proclitic(t) for t in tokens]
    said = [
        at
        for words in (tokens, bare)
        for verb in verbs
        for at in _phrase_starts(words, verb)
        # Not done: "بدل شوی نه دی" (it has not been exchanged), "وما بدلتها" (I did not).
        if not _followed_by(tokens, at + len(verb.split()), denied)
        and not _after_negation(tokens, at)
    ]
    after = max(said, default=None)
    if after is None:
        return matches
    return [
        replace(m, value=turns[_key(m.value)])
        if not m.generic and _key(m.value) in turns and m.end <= after
        else m
        for m in matches
    ]


def _after_negation(tokens: Sequence[str], at: int) -> bool:
    """Whether the word before position `at` is a one-word negation, "and" glued to it or not
    ("ما", "وما", "ma")."""
    if at == 0:
        return False
    word = tokens[at - 1]
    negations = lexicon().negations
    return word in negations or (word[:1] in ("و", "w") and word[1:] in negations)


def _phrase_starts(tokens: Sequence[str], phrase: str) -> list[int]:
    """Every position where `phrase` starts in `tokens`, word for word."""
    words = phrase.split()
    return [
        i for i in range(len(tokens) - len(words) + 1) if list(tokens[i : i + len(words)]) == words
    ]


def _read_number(
    tokens: Sequence[str],
    spec: SlotSpec,
    matches: list[_Match],
    words: Mapping[str, int],
    lead: int | None = None,
) -> tuple[bool, Any, bool]:
    """(found, value, whether the count was said as a number) for a slot that takes one.

    In this order: children said to come ("دو تا با ما میان", two come with us); a number
    said with the slot's own noun ("2 adults and 3 children": 3 children); people listed
    one by one ("me, my wife and my mother", "2 boys and 1 girl"); for years, months, "less
    than" and calendar years; a number said alone first (`lead`: "دوه، یو ښوونځي ته ځي…");
    digits ("2 kids", "nous sommes 3") or a number word before its unit ("دوه کاله"); the
    slot's phrases; number words (`words`: every language's, in one map).
    """
    counting = counting_words()
    if spec.slot in lexicon().people:
        if spec.slot not in lexicon().counts_speaker:
            nouns = counting.slot_nouns.get(spec.slot, frozenset()) | counting.kids
            nouns |= frozenset(lexicon().people.get(spec.slot, ()))
            coming = coming_count(tokens, nouns, words, without_proclitic)
            if coming is not None and spec.accepts(coming):
                return True, coming, True
        if lead is not None:
            return (*_checked(lead, spec), True)
    counted = noun_count(tokens, spec.slot, words, without_proclitic, spec.accepts)
    if counted is not None:
        return (*_checked(counted, spec), True)
    listed = _people_count(tokens, spec, [m for m in matches if not m.generic], words)
    if listed is not None and spec.accepts(listed):
        return True, listed, False
    digits = [int(t) for t in tokens if t.isdigit()]
    if spec.slot in counting_words().years_since:
        # Months are not years: "6 mois" is 0, "سنة و 6 اشهر" 1.
        rest, months = without_months(tokens, words, without_proclitic)
        if months is not None:
            said = [int(t) if t.isdigit() else words[t] for t in rest if t.isdigit() or t in words]
            return (*_checked((said[0] if said else 0) + months // 12, spec), True)
        under = less_than(tokens, words, without_proclitic)
        if under is not None:
            return (*_checked(under, spec), True)
        # "Since 2019": the years from then to now; "2015 to 2020": the years between.
        years = [d for d in digits if years_since(d) is not None]
        if years:
            since = years_since(years[0]) if len(years) == 1 else abs(years[1] - years[0])
            return (*_checked(since, spec), True)
    if lead is not None:
        return (*_checked(lead, spec), True)
    # Digits, or a number word before its unit ("دوه کاله په ایران کې، دلته لا نه": two
    # years in Iran, none here yet), in the order typed; a range at its lower bound
    # ("ربعة ولا خمسة سنين": 4).
    units = counting.age_units if spec.slot in counting.years_since else frozenset()
    for position, token in enumerate(tokens):
        if token.isdigit():
            return (*_checked(int(token), spec), True)
        unit = tokens[position + 1] if position + 1 < len(tokens) else ""
        if token in words and unit in units:
            first = next(t for t in tokens[max(position - 2, 0) : position + 1] if t in words)
            return (*_checked(words[first], spec), True)
    # A number said wins over a phrase read only through a typo ("do pesar": two sons, not
    # "pesaram", my son).
    if any(token in words for token in tokens):
        matches = [m for m in matches if m.exact]
    values = _best(matches, many=False)
    if values:
        value = as_whole_number(values[0]) if values[0] != "dont_know" else values[0]
        return (*_checked(value, spec), False)
    # In the order typed: "4 or 5 years" is 4 (a range is read at its lower bound). A
    # number word that is also another language's word counts only alone or before what it
    # counts (Pashto "ده", is; Dari "ده", ten: "ده سال").
    for position, token in enumerate(tokens):
        if token in words and _counts_here(tokens, position, spec):
            return (*_checked(words[token], spec), False)
    return False, None, False


def _counts_here(tokens: Sequence[str], position: int, spec: SlotSpec) -> bool:
    """Whether the number word at `position` is a number here: not one of `also_words`, or
    alone, or before a unit, a classifier or a noun the question counts."""
    counting = counting_words()
    if tokens[position] not in counting.also_words or len(tokens) == 1:
        return True
    after = tokens[position + 1] if position + 1 < len(tokens) else ""
    nouns = counting.slot_nouns.get(spec.slot, frozenset())
    return after in counting.age_units | counting.classifiers | nouns | counting.months


def _lead_number(text: str, spec: SlotSpec, words: Mapping[str, int]) -> int | None:
    """The number a message opens with, alone before a pause ("دوه، یو ښوونځي ته ځي او بل لا
    کوچنی دی": two, one goes to school…; "tsalor, 2 zamn aw 2 lonre"), with a classifier or
    the question's noun around it at most ("دو تا، من و مادرم", "bachaha du ta, …"), or
    right before the person typing, who starts the list it counts ("4 انا ومرتي…"); else
    None."""
    said = normalise(text).split()
    self_words = lexicon().speaker_words.get(spec.slot, ())
    if len(said) > 2 and said[1] in self_words and (said[0].isdigit() or said[0] in words):
        return int(said[0]) if said[0].isdigit() else words.get(said[0])
    first = normalise(_CLAUSE.split(text, maxsplit=1)[0]).split()
    if len(first) == len(said):
        return None  # no pause: the message is read as a whole
    counting = counting_words()
    nouns = counting.slot_nouns.get(spec.slot, frozenset()) | counting.classifiers
    if spec.slot in lexicon().people and spec.slot not in lexicon().counts_speaker:
        nouns |= counting.kids | frozenset(lexicon().people.get(spec.slot, ()))
    counts = [word for word in first if word.isdigit() or word in words]
    if len(counts) != 1 or len(first) > 3 or any(w not in nouns for w in first if w != counts[0]):
        return None
    if len(first) == 3 and first.index(counts[0]) != 1:
        return None  # "noun, number, classifier" only: "bachaha du ta"
    return int(counts[0]) if counts[0].isdigit() else words.get(counts[0])


def _all_number_words(number_words: Mapping[str, Mapping[str, int]] | None) -> dict[str, int]:
    """Every language's number words in one map (the first language's value wins)."""
    out: dict[str, int] = {}
    for by_language in (number_words or {}).values():
        for word, number in by_language.items():
            out.setdefault(word, number)
    return out


def _checked(value: Any, spec: SlotSpec) -> tuple[bool, Any]:
    if value is None:
        return False, None
    if isinstance(value, int) and not spec.accepts(value):
        return False, None
    return True, value
