"""The word lists of language identification (data/language_words.yml), folded for look-ups."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

import yaml

WORDS_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "language_words.yml"
SCRIPTS: Final = ("latin", "cyrillic", "arabic")
# What a loan counts for its language, against 1 for a listed word: two loans ("driving
# license ache") weigh less than one word of the language they are typed in.
LOAN_WEIGHT: Final = 0.4
# What small talk counts for the languages listing it, against 1: greetings and thanks are
# typed in anyone's language ("slm bhai", "inshallah bhai" are Bengali), so a word of the
# language's own outweighs them.
SMALL_TALK_WEIGHT: Final = 0.5
# What a word found only by the loose look-up (`loose_forms`) counts, against 1.
LOOSE_WEIGHT: Final = 0.75
# What a Latin word one typo away from a listed word counts ("thnks", "wich"), against 1; only
# words of at least TYPO_MIN_LENGTH letters, listed words of one more: short words are too
# close to each other across languages.
TYPO_WEIGHT: Final = 0.5
TYPO_MIN_LENGTH: Final = 4
# Whose words typos are looked for: French and English have a spelling to miss; Arabic, Dari,
# Pashto and Bengali in Latin letters have none, and their short words sit one letter from
# French and English ones ("rater", "Paris").
TYPO_LANGUAGES: Final = ("fr", "en")

# Arabic-script letters folded for word look-ups (Arabic and Persian keyboards, hamza seats).
_ARABIC_FOLD: Final[Mapping[str, str]] = {
    "ي": "ی",
    "ى": "ی",
    "ك": "ک",
    "ة": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    # Pashto letters as typed on a Persian keyboard, so "غواړم" and "غوارم" are one word.
    "ټ": "ت",
    "ډ": "د",
    "ړ": "ر",
    "ږ": "ژ",
    "ښ": "ش",
    "ګ": "گ",
    "ڼ": "ن",
    "ې": "ی",
    "ۍ": "ی",
    "ئ": "ی",
    # Pashto's schwa written ۀ (or ە), and Pashto typed on an Urdu keyboard (ے ہ ھ): "زۀ",
    # "کۀ", "دے", "ښہ" are the listed words.
    "ۀ": "ه",
    "ە": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ے": "ی",
    "ۓ": "ی",
}
# The second, loose look-up of a word no list has as typed. Pashto letters a Persian keyboard
# lacks, typed as a Persian letter that looks or sounds like them: a listed Pashto word is
# also found with these (after `fold`, which made ږ ژ, ښ ش and ګ گ): "پوهیزم", "پوهیرم" for
# "پوهیږم", "سنگه" for "څنګه", "ملکری" for "ملګری", "زم" for "ځم"; and as the north-east
# (Nangarhar, Kunar) says and types ږ and ښ, g and kh: "پوهیگم", "خه" for "ښه".
_KEYBOARD_SUBSTITUTES: Final[Mapping[str, str]] = {
    "ژ": "زرگ",
    "ځ": "زج",
    "څ": "سچ",
    "گ": "ک",
    "ش": "خ",
}
# Latin letters repeated for emphasis or by a sticky key ("merciii", "pleeease", "okk"): both
# the word and the lists are looked up with runs of a letter made one.
_REPEATED: Final = re.compile(r"(.)\1+")
# How a phrase is cut into words, as bot/language.py cuts messages (at spaces and apostrophes).
_WORD_CUT: Final = re.compile(r"[^\W_]+")
# Vowel marks, tatweel and the hamza written as a mark above or below (ه + U+0654 for ۀ).
_HARAKAT: Final = frozenset(
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0654\u0655\u0670\u0640"
)


@dataclass(frozen=True)
class WordLists:
    """Every list of data/language_words.yml, folded."""

    # script -> language -> words of that language (borrowed words dropped)
    by_script: Mapping[str, Mapping[str, frozenset[str]]]
    # script -> every word listed for it
    all_words: Mapping[str, frozenset[str]]
    small_talk: frozenset[str]
    names: frozenset[str]
    borrowed: frozenset[str]
    # French phrases written as they are in any language, as folded Latin words
    borrowed_phrases: tuple[tuple[str, ...], ...]
    # words of one language typed inside others: LOAN_WEIGHT of a word for their language
    loans: frozenset[str]
    # script -> language -> its words' loose forms (`loose_forms`), for words missed as typed
    loose_by_script: Mapping[str, Mapping[str, frozenset[str]]]
    # Latin words and their one-letter deletions -> the languages listing them (`typo_keys`)
    typos: Mapping[str, frozenset[str]]

    @property
    def phrase_starts(self) -> frozenset[str]:
        """The first words of the borrowed phrases."""
        return _phrase_starts(self.borrowed_phrases)

    def languages(self, script: str) -> list[str]:
        """The languages told apart by words in a script."""
        return list(self.by_script.get(script, {}))

    def known(self, script: str) -> frozenset[str]:
        """Every listed word of a script, whatever its language (empty for other scripts)."""
        return self.all_words.get(script, frozenset())

    def scores(self, script: str, tokens: Iterable[str]) -> dict[str, float]:
        """How many of the tokens each language of the script has in its list (a loan:
        LOAN_WEIGHT; small talk: at most SMALL_TALK_WEIGHT; a word a language has only in a
        loose form, `loose_forms`: LOOSE_WEIGHT)."""
        lists = self.by_script.get(script, {})
        scores = dict.fromkeys(lists, 0.0)
        looser = self.loose_by_script.get(script, {})
        for token in tokens:
            folded = fold(script, token)
            weight = LOAN_WEIGHT if folded in self.loans else 1.0
            if folded in self.small_talk:
                weight = min(weight, SMALL_TALK_WEIGHT)
            loose = loosen(script, folded)
            found = False
            for language, words in lists.items():
                if folded in words:
                    scores[language] += weight
                    found = True
                elif loose in looser.get(language, ()):
                    scores[language] += weight * LOOSE_WEIGHT
                    found = True
            if not found and script == "latin":
                for language in self.typo_languages(loose):
                    scores[language] += weight * TYPO_WEIGHT
        return scores

    def typo_languages(self, word: str) -> frozenset[str]:
        """The languages with a listed Latin word one typo (a letter missing, added, changed,
        or two swapped) away from this unlisted one."""
        if len(word) < TYPO_MIN_LENGTH or not word.isalpha():
            return frozenset()
        return frozenset().union(*(self.typos.get(key, ()) for key in typo_keys(word)))

    def is_small_talk(self, folded: str, script: str) -> bool:
        """Small talk as listed, or with letters repeated ("merciii", "okkk")."""
        return folded in self.small_talk or loosen(script, folded) in self.small_talk

    def without_phrases(self, tokens: list[str]) -> list[str]:
        """The tokens without the borrowed French phrases ("titre de séjour") they contain."""
        folded = [fold("latin", token) for token in tokens]
        if not self.phrase_starts.intersection(folded):
            return tokens
        keep = [True] * len(tokens)
        for phrase in self.borrowed_phrases:
            size = len(phrase)
            for start in range(len(tokens) - size + 1):
                if tuple(folded[start : start + size]) == phrase:
                    keep[start : start + size] = [False] * size
        return [token for token, kept in zip(tokens, keep, strict=True) if kept]

    def is_name(self, folded: str) -> bool:
        """A frequent name or name part, or one with the nisba suffix ("احمدی", "karimi")."""
        return folded in self.names or (folded.endswith(("ی", "i")) and folded[:-1] in self.names)


@cache
def _phrase_starts(phrases: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    return frozenset(phrase[0] for phrase in phrases if phrase)


# Messages repeat words: a few thousand cached foldings cost less than one lingua call.
@lru_cache(maxsize=16384)
def fold(script: str, word: str) -> str:
    """A word as looked up: accents and keyboard variants folded, so typos still count."""
    word = word.lower()
    if script == "latin":
        decomposed = unicodedata.normalize("NFKD", word)
        return "".join(char for char in decomposed if not unicodedata.combining(char))
    if script == "arabic":
        return "".join(_ARABIC_FOLD.get(char, char) for char in word if char not in _HARAKAT)
    return word.replace("ё", "е")


@lru_cache(maxsize=16384)
def loosen(script: str, folded: str) -> str:
    """A folded word as the loose look-up sees it (Latin: runs of a letter made one)."""
    return _REPEATED.sub(r"\1", folded) if script == "latin" else folded


def typo_keys(word: str) -> set[str]:
    """A word and its one-letter deletions: two words one typo apart share one of these."""
    return {word} | {word[:index] + word[index + 1 :] for index in range(len(word))}


def loose_forms(script: str, folded: str) -> frozenset[str]:
    """A listed word's forms for the loose look-up: Latin without repeated letters; in the
    Arabic script, every way a Persian keyboard types its Pashto letters (at most 3 of them)."""
    if script == "latin":
        return frozenset({loosen(script, folded)})
    if script != "arabic" or not 0 < sum(char in _KEYBOARD_SUBSTITUTES for char in folded) <= 3:
        return frozenset()
    choices = [char + _KEYBOARD_SUBSTITUTES.get(char, "") for char in folded]
    return frozenset("".join(letters) for letters in itertools.product(*choices)) - {folded}


@cache
def word_lists(path: Path = WORDS_FILE) -> WordLists:
    """Read and fold the word lists (once per process)."""
    with path.open(encoding="utf-8") as stream:
        # Every word a string: YAML 1.1 would read no, yes, y, n, on, off as booleans.
        data = yaml.load(stream, Loader=yaml.BaseLoader)

    def every_script(words: Iterable[object]) -> frozenset[str]:
        return frozenset(fold(script, str(word)) for script in SCRIPTS for word in words)

    def loose(by_language: Mapping[str, frozenset[str]], script: str) -> dict[str, frozenset[str]]:
        return {
            code: frozenset().union(*(loose_forms(script, word) for word in words))
            for code, words in by_language.items()
        }

    def typos(by_language: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        index: dict[str, set[str]] = {}
        for code, words in by_language.items():
            for word in words:
                if len(word) > TYPO_MIN_LENGTH and word.isalpha():
                    for key in typo_keys(loosen("latin", word)):
                        index.setdefault(key, set()).add(code)
        return {key: frozenset(codes) for key, codes in index.items()}

    borrowed = every_script(data["borrowed"])
    by_script: dict[str, dict[str, frozenset[str]]] = {}
    for script, by_language in data["scripts"].items():
        raw = {
            code: {fold(script, str(word)) for word in words} for code, words in by_language.items()
        }
        # A word two languages of a script share counts for both: "نه" is Dari or Pashto,
        # which tells them apart from Arabic, not from each other.
        by_script[script] = {code: frozenset(words - borrowed) for code, words in raw.items()}
    return WordLists(
        by_script=by_script,
        all_words={
            script: frozenset().union(*lists.values()) for script, lists in by_script.items()
        },
        # with their loosened forms, so that "okkk" and "merciii" are small talk too
        small_talk=frozenset(
            word
            for script in SCRIPTS
            for raw in data["small_talk"]
            for word in (fold(script, str(raw)), loosen(script, fold(script, str(raw))))
        ),
        names=every_script(data["names"]),
        borrowed=borrowed,
        borrowed_phrases=tuple(
            tuple(fold("latin", word) for word in _WORD_CUT.findall(str(phrase)))
            for phrase in data["borrowed_phrases"]
        ),
        loans=every_script(data["loans"]),
        typos=typos({code: by_script["latin"][code] for code in TYPO_LANGUAGES}),
        loose_by_script={
            script: loose(lists, script)
            for script, lists in by_script.items()
            if script in ("latin", "arabic")
        },
    )
