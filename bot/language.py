"""Which language a message is written in, and whether the conversation should follow it.

Pure and offline: Unicode scripts, letters, the word lists of `data/language_words.yml`
(bot/language_words.py) and, for French vs English, Ukrainian vs Russian and Arabic vs
Persian, the n-gram models shipped inside the `lingua-language-detector` wheel
(bot/language_model.py; loaded on first use, `preload()` loads them at start-up). Nothing
is read at import time.

API (codes are those of `locales/languages.yml`):

- `identify(text) -> Identification(language, confidence, reason, words)`: the best guess
  (None when the text has no letters: digits, emoji, punctuation) with a confidence in
  [0, 1], a short machine-readable `reason` ("script", "letters", "words", "arabizi";
  "lingua" for the n-gram model alone, "default" for no evidence at all, "no-letters") and
  the number of words that make it long (names, numbers and the small talk of
  `data/language_words.yml` — ok, merci, thank you, salam — not counted).
- `decide(current, text, *, explicit=None, hint=None, asked=False, available=None) ->
  Verdict(action, language, identification)` with `action` one of `Action.KEEP`,
  `Action.SWITCH`, `Action.ASK`. `available` is the languages the assistant may move to
  (default: those declared complete in locales/languages.yml); `Verdict.language` is always
  one of them, the current language, the explicit choice or None. Order of authority: the
  person's explicit choice (`explicit`, e.g. a menu pick or "parle français"), then the
  channel's hint (`hint`, Telegram `language_code`; `fa` means Dari), then detection, then
  the question:
    * explicit choice -> SWITCH to it (KEEP if it is already the current one);
    * no current language: the hint (if available) becomes it, SWITCH; with no hint, a clear
      message -> SWITCH, anything else -> ASK (`language` is the best available guess or
      None). A clear message against the hint -> ASK (between the hint and `language`);
    * a current language: only a *clear* message (see `is_clear`) in another available
      language changes anything, and then the answer is ASK (the conversation layer asks
      once, in both languages); with `asked=True` (already asked once in this
      conversation) the same clear message is a SWITCH.
  "ok", "1", "oui", "merci", "salam", an emoji, a name, a phone number or a reference code
  are never clear, so they never move the language.
- `is_clear(identification)`: whether an identification may move the language: at least
  `MIN_WORDS` counted words, `MIN_CONFIDENCE`, and words, letters or script behind it (the
  n-gram model alone is never enough).
- `preload()`: load the models now (the Rasa server calls it at start-up).
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

from bot.language_model import probabilities
from bot.language_words import fold, word_lists

# Below these a message never moves the language. Chosen on tests/bot/language_dev.yml with
# `scripts/language_report.py tests/bot/language_dev.yml --sweep` (2026-12-01): with 2
# counted words a no_switch message ("12 rue de la République") is clear below 0.99; with 3
# none is at any confidence and no message is clear and wrong at any setting. 0.85 leaves a
# margin for unseen messages at the cost of a few short ones (187 clear instead of 198).
# Checked again on tests/language/dev.yml (1349 short messages, Latin variants of ar, prs, ps
# and bn; 2026-12-01): nothing clear and wrong at any setting, one no_switch message clear with
# 2 counted words, none with 3.
MIN_WORDS: Final = 3
MIN_CONFIDENCE: Final = 0.85
# A clear message has the language's own words, letters or script: the n-gram model alone
# reads "man kar mekhaham" (Dari in Latin letters) as French.
EVIDENCE_REASONS: Final = frozenset({"script", "letters", "words", "arabizi"})

# A pasted page says no more about its language than its beginning, and costs more to read.
MAX_CHARS: Final = 1000

# Channel codes that are another code here (Telegram gives "fa" for any Persian).
HINT_ALIASES: Final[Mapping[str, str]] = {"fa": "prs", "per": "prs", "pus": "ps"}

# Evidence, in log-odds: a listed word; a letter only one language of the script uses; a
# letter only a family uses (Persian letters, Arabic ة أ); a keyboard variant (ي ك vs ی ک),
# weak because people type Dari on Arabic keyboards. At most LETTER_CAP letters count.
WORD_WEIGHT: Final = math.log(6.0)
STRONG_LETTER: Final = math.log(20.0)
FAMILY_LETTER: Final = math.log(10.0)
KEYBOARD_LETTER: Final = math.log(3.0)
LETTER_CAP: Final = 3
# How much the n-gram model counts once words or letters have spoken.
MODEL_WEIGHT_WITH_EVIDENCE: Final = 0.4

# What the model is taken to say of a language it has no model for, and the least it may
# say of any: one word's n-grams can make it sure of the wrong language ("thx" -> French).
UNMODELLED_PROBABILITY: Final = 0.1
PROBABILITY_FLOOR: Final = 0.02

# From this share of its letters (and at least two), a message partly in Latin letters is in
# the other script: "عندي titre de séjour" is Arabic.
OTHER_SCRIPT_SHARE: Final = 0.1

# Scripts: a letter's script is read from its Unicode name's first word.
_SCRIPT_OF_NAME: Final[Mapping[str, str]] = {
    "LATIN": "latin",
    "CYRILLIC": "cyrillic",
    "ARABIC": "arabic",
    "ETHIOPIC": "ethiopic",
    "BENGALI": "bengali",
}
# Scripts with a single language here.
_SCRIPT_LANGUAGE: Final[Mapping[str, str]] = {"ethiopic": "ti", "bengali": "bn"}

# Letters that belong to one language of a script (or a family, for Persian letters).
_UK_LETTERS: Final = frozenset("іїєґ")
_RU_LETTERS: Final = frozenset("ыэъё")
_UK_APOSTROPHE: Final = re.compile(r"(?<=[а-яіїєґ])['’ʼ](?=[а-яіїєґ])")
_PS_LETTERS: Final = frozenset("ټډړږښګڼېۍځڅ")
# Pashto typed on an Urdu keyboard, as in Pakistan ("دے", "کوے"): no other language here has ے.
_PS_URDU_KEYBOARD: Final = frozenset("ےۓ")
_PERSIAN_LETTERS: Final = frozenset("پچژگ")  # Dari and Pashto, never Arabic
_PERSIAN_KEYBOARD: Final = frozenset("یک")  # U+06CC, U+06A9: Persian/Pashto keyboards
_ARABIC_LETTERS: Final = frozenset("ةىأإؤڭڨ")  # hardly in Dari or Pashto (ئ is Pashto too)
_ARABIC_KEYBOARD: Final = frozenset("يك")  # U+064A, U+0643
# Arabizi: a digit standing for a letter (3 ع, 7 ح, 9 ق, 2 ء, 5 خ) between or before letters.
# More than one such digit, never two side by side ("l3a2ila", "ta3a9od").
_ARABIZI_TOKEN: Final = re.compile(r"^[a-zA-Z]*[23579](?:[a-zA-Z]+[23579])*[a-zA-Z]*$")
_VOWELS: Final = frozenset("aeiouy")
# Darija's negation around a verb ("makhdamch", "ma3andich") and its present tense prefix
# ("kankhdem", "kayhamni", "katskon").
_DARIJA_NEGATION: Final = re.compile(r"^ma[a-z0-9]{3,}(?:ch|sh)$")
_DARIJA_PRESENT: Final = re.compile(r"^ka[nyt][a-z0-9]{3,}$")
# An English contraction ("i'm", "don't", "we're"): a word, an apostrophe and an English
# ending, the word not a French elision ("c'est", "j'ai", "m'appelle" do not match).
_CONTRACTION: Final = re.compile(
    r"\b(?!(?:[ldjmtcns]|qu|jusqu|lorsqu|puisqu)['’])([a-z]+)['’](?:m|s|re|ve|ll|t|d)\b",
    re.IGNORECASE,
)
# A word: letters with their combining marks (Bengali vowel signs are marks, not \w) and
# digits; anything else (spaces, punctuation, ZWNJ, emoji) separates words.
_WORD: Final = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0981-\u09fe\u135d-\u135f])+"
)


class Action(enum.Enum):
    """What the conversation layer does with the message's language."""

    KEEP = "keep"
    SWITCH = "switch"
    ASK = "ask"


@dataclass(frozen=True)
class Identification:
    """The language a text is most likely written in, and how sure that is."""

    language: str | None
    confidence: float
    reason: str
    words: int


@dataclass(frozen=True)
class Verdict:
    """The policy's answer: keep the language, switch to `language`, or ask."""

    action: Action
    language: str | None
    identification: Identification


def identify(text: str) -> Identification:
    """The language of a message (None when it has no letters)."""
    text = text[:MAX_CHARS]
    # "i'm", "don't": the English ending is English, not a French elided "m'" or "t'".
    contractions = len(_CONTRACTION.findall(text))
    text = _CONTRACTION.sub(r"\1", text)
    words_of = _words_of(text)
    cased = word_lists().without_phrases([token for token in words_of if _has_letter(token)])
    tokens = [token.lower() for token in cased]
    counts = _script_counts(text)
    if not counts:
        return Identification(None, 0.0, "no-letters", 0)
    script, share = _main_script(counts)
    words = _counted_words(script, cased)
    if script in _SCRIPT_LANGUAGE:
        return Identification(_SCRIPT_LANGUAGE[script], share, "script", words)
    if script == "cyrillic":
        language, confidence, reason = _within_cyrillic(text.lower(), tokens)
    elif script == "arabic":
        language, confidence, reason = _within_arabic(text, tokens)
    elif script == "latin":
        language, confidence, reason = _within_latin(cased, tokens, contractions)
    else:
        return Identification(None, 0.0, "no-letters", words)
    return Identification(language, round(confidence * share, 4), reason, words)


def is_clear(identification: Identification) -> bool:
    """Whether a message is long and sure enough to move the conversation's language."""
    return (
        identification.language is not None
        and identification.reason in EVIDENCE_REASONS
        and identification.words >= MIN_WORDS
        and identification.confidence >= MIN_CONFIDENCE
    )


def normalise_code(code: str | None) -> str | None:
    """A language code of locales/languages.yml from a channel or menu code, or None."""
    if not code or not code.strip():
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    base = HINT_ALIASES.get(base, base)
    return base if base in _known_codes() else None


def decide(
    current: str | None,
    text: str,
    *,
    explicit: str | None = None,
    hint: str | None = None,
    asked: bool = False,
    available: Collection[str] | None = None,
) -> Verdict:
    """Keep, switch or ask, following the order of authority of the module docstring."""
    identification = identify(text)
    offered = frozenset(available) if available is not None else _complete_codes()
    chosen = normalise_code(explicit)
    current = normalise_code(current)
    if chosen is not None:
        action = Action.KEEP if chosen == current else Action.SWITCH
        return Verdict(action, chosen, identification)
    detected = identification.language if identification.language in offered else None
    clear = detected is not None and is_clear(identification)
    if current is None:
        hinted = normalise_code(hint)
        current = hinted if hinted in offered else None
        if current is not None:
            # The hint is a language the person can read: take it, unless a clear message
            # says otherwise (then ask, the hint's language being the other option).
            if clear and detected != current:
                return Verdict(Action.ASK, detected, identification)
            return Verdict(Action.SWITCH, current, identification)
        if clear:
            return Verdict(Action.SWITCH, detected, identification)
        return Verdict(Action.ASK, detected, identification)
    if not clear or detected == current:
        return Verdict(Action.KEEP, current, identification)
    return Verdict(Action.SWITCH if asked else Action.ASK, detected, identification)


def preload() -> None:
    """Load the word lists and the n-gram models now rather than on the first message."""
    word_lists()
    # lingua reads a language's models on first use, unless a letter of one language decides:
    # one text per script without such letters.
    for sample in ("bonjour, hello", "добрий вечер", "السلام عليكم"):
        identify(sample)


# ---------------------------------------------------------------- scripts


def _words_of(text: str) -> list[str]:
    """The words of a text, combining marks kept with their letters."""
    return [match.group() for match in _WORD.finditer(text)]


def _counted_words(script: str, cased: list[str]) -> int:
    """How many words make the message long: not names, numbers or small talk.

    "Fatima Zahra El Idrissi" (capitalised, in no word list), "محمد نبی کریمی" (listed names),
    "10h", "2eme" and "ok merci beaucoup" or "thank you very much" are words of no language,
    or of every language: they must not make a message long enough to move the language.
    Arabizi words ("3afak") count.
    """
    lists = word_lists()
    known = lists.known(script)
    counted = 0
    for token in cased:
        folded = fold(script, token)
        if (
            lists.is_small_talk(folded, script)
            or folded in lists.borrowed
            or lists.is_name(folded)
            or (token[0].isupper() and folded not in known)
        ):
            continue
        if any(char.isdigit() for char in token) and not _is_arabizi(token):
            continue
        counted += 1
    return counted


def _has_letter(token: str) -> bool:
    return any(char.isalpha() for char in token)


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = _script_of(char)
        elif unicodedata.category(char).startswith("M"):
            # Bengali vowel signs are marks: "না" is a letter and a sign, as much Bengali as
            # "ok" is Latin. (Arabic vowel marks are left out: they say nothing more.)
            script = _script_of(char)
            script = script if script in _SCRIPT_LANGUAGE else None
        else:
            continue
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


def _main_script(counts: Mapping[str, int]) -> tuple[str, float]:
    """The script a message is written in, and how much of it is in that script.

    Latin words inside another script are mostly names, places and French words ("ሰላም
    Paris", "আমি Saint-Denis এ থাকি"): the other script wins from a tenth of the letters,
    and the Latin part only halves its share of doubt. A script of one language here
    (Bengali, Ethiopic) wins from a single letter: no one types "এ" in "Saint-Denis এ" by chance.
    """
    total = sum(counts.values())
    others = {script: count for script, count in counts.items() if script != "latin"}
    if others:
        script, count = max(others.items(), key=lambda item: item[1])
        if script in _SCRIPT_LANGUAGE or (count >= 2 and count >= OTHER_SCRIPT_SHARE * total):
            latin = counts.get("latin", 0) / total
            return script, (count + 0.5 * latin * total) / total
    script, count = max(counts.items(), key=lambda item: item[1])
    return script, count / total


@cache
def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return _SCRIPT_OF_NAME.get(name.split(" ", 1)[0])


# ---------------------------------------------------------------- within a script


def _within_cyrillic(lowered: str, tokens: list[str]) -> tuple[str, float, str]:
    # An apostrophe inside a word is Ukrainian ("сім'я", "п'ять"); Russian writes ъ.
    apostrophes = len(_UK_APOSTROPHE.findall(lowered))
    letters = {
        "uk": _letter_weight(lowered, _UK_LETTERS, STRONG_LETTER)
        + STRONG_LETTER * min(apostrophes, LETTER_CAP),
        "ru": _letter_weight(lowered, _RU_LETTERS, STRONG_LETTER),
    }
    return _resolve("cyrillic", tokens, letters)


def _within_arabic(text: str, tokens: list[str]) -> tuple[str, float, str]:
    persian = _letter_weight(text, _PERSIAN_LETTERS | _PERSIAN_KEYBOARD, FAMILY_LETTER)
    arabic = _letter_weight(text, _ARABIC_LETTERS, FAMILY_LETTER)
    # The article al- is Arabic; Dari and Pashto keep it only in a few borrowed words.
    arabic += FAMILY_LETTER * min(sum(token.startswith("ال") for token in tokens), LETTER_CAP)
    # Arabic-keyboard letters, but not in a listed Dari or Pashto word: Pashto writes ي
    # ("مهرباني", "ستړي") and Dari typed on an Arabic keyboard is still Dari ("ميخواهم").
    persian_words = _persian_words()
    unlisted = "".join(token for token in tokens if fold("arabic", token) not in persian_words)
    arabic += _letter_weight(unlisted, _ARABIC_KEYBOARD, KEYBOARD_LETTER)
    # Persian letters say "Dari or Pashto": they count for both, against Arabic.
    letters = {
        "ps": persian
        + _letter_weight(text, _PS_LETTERS, STRONG_LETTER)
        + _letter_weight(text, _PS_URDU_KEYBOARD, FAMILY_LETTER)
        + FAMILY_LETTER * min(sum(_is_pashto_schwa(token) for token in tokens), LETTER_CAP)
        + _pashto_endings(
            tokens, persian > 0 or any(fold("arabic", t) in persian_words for t in tokens)
        ),
        "prs": persian,
        "ar": arabic,
    }
    return _resolve("arabic", tokens, letters)


def _is_pashto_schwa(token: str) -> bool:
    """A short word ending in ۀ, Pashto's schwa ("زۀ", "کۀ", "څۀ", "ښۀ"): Dari writes ۀ only
    for the ezafe of a noun in -ه ("خانۀ من")."""
    letters = [char for char in token if char.isalpha()]
    return len(letters) <= 2 and token.endswith(("ۀ", "ه\u0654"))


def _pashto_endings(tokens: list[str], persian: bool) -> float:
    """Pashto spelling at the end of words, in a Dari or Pashto message (`persian`).

    ي (U+064A) only at the end of a word ("مهرباني", "ستړي", "کوي"), ی elsewhere: a Persian
    keyboard has no ي and an Arabic one types it everywhere ("ميخواهم"), so a final ي and no
    other one is Pashto. A final ئ is Pashto's second person plural and imperative ("وکړئ",
    "ووایئ", "راشئ"), never Dari's, and so are the oblique plurals in -انو/-ونو ("ماشومانو",
    "کورونو"; Dari says -ها, -ان), and so are the plurals in -ونه ("کاغذونه", "کورونه"; not
    Dari's -گونه, "هرگونه") and the perfective و- before a verb in و- or ا- ("ووایه", "ووهه",
    "وولیکه": no Dari word starts with وو).
    """
    if not persian:
        return 0.0
    endings = sum(token.endswith("ئ") for token in tokens)
    endings += sum(len(token) >= 5 and token.endswith(("انو", "ونو")) for token in tokens)
    endings += sum(
        len(token) >= 6 and token.endswith("ونه") and not token.endswith("گونه") for token in tokens
    )
    endings += sum(len(token) >= 4 and token.startswith("وو") for token in tokens)
    if not any("ي" in token[:-1] for token in tokens) and not any("ك" in t for t in tokens):
        endings += sum(token.endswith("ي") for token in tokens)
    return KEYBOARD_LETTER * min(endings, LETTER_CAP)


def _within_latin(cased: list[str], tokens: list[str], contractions: int) -> tuple[str, float, str]:
    arabizi = sum(_is_arabizi(token) for token in cased) + _darija_forms(tokens)
    letters = {
        "ar": STRONG_LETTER * min(arabizi, LETTER_CAP),
        "en": WORD_WEIGHT * min(contractions, LETTER_CAP),
    }
    return _resolve("latin", tokens, letters, letter_reasons={"ar": "arabizi"})


def _darija_forms(tokens: list[str]) -> int:
    """Words in Darija's shapes: the negation ma…ch ("makhdamch", "ma fhemtch") and the
    present's ka-/kan-/kay-/kat- ("kankhdem", "kayhamni"); not words of French or English."""
    western = _western_words()
    found = 0
    for index, token in enumerate(tokens):
        folded = fold("latin", token)
        if folded in western:
            continue
        after_ma = index > 0 and tokens[index - 1] == "ma" and len(folded) >= 4
        negation = _DARIJA_NEGATION.match(folded) or (after_ma and folded.endswith(("ch", "sh")))
        if negation or _DARIJA_PRESENT.match(folded):
            found += 1
    return found


@cache
def _persian_words() -> frozenset[str]:
    """The Dari and Pashto words of the lists (Arabic script, folded)."""
    lists = word_lists().by_script["arabic"]
    return lists["prs"] | lists["ps"]


@cache
def _western_words() -> frozenset[str]:
    """The French and English words of the lists: never in Darija's shapes."""
    lists = word_lists().by_script["latin"]
    return lists["fr"] | lists["en"]


def _letter_weight(text: str, letters: frozenset[str], weight: float) -> float:
    """Evidence from letters of one language: a few are enough, many say no more."""
    return weight * min(sum(char in letters for char in text), LETTER_CAP)


def _is_arabizi(token: str) -> bool:
    """A word with a digit for an Arabic letter ("3afak", "n7eb", "3ndi").

    Not a number, nor a reference code ("K7P4XM", "ABX2QZ": capitals, two digits, or a digit
    between consonants).
    """
    if token.isupper() or not _ARABIZI_TOKEN.match(token):
        return False
    position = next(index for index, char in enumerate(token) if char.isdigit())
    neighbours = token[max(position - 1, 0) : position] + token[position + 1 : position + 2]
    letters = [char for char in token if char.isalpha()]
    return (
        len(letters) >= 2
        and any(char in _VOWELS for char in letters)
        and (position == 0 or any(char in _VOWELS for char in neighbours))
    )


def _resolve(
    script: str,
    tokens: list[str],
    letters: Mapping[str, float],
    *,
    letter_reasons: Mapping[str, str] | None = None,
) -> tuple[str, float, str]:
    """Combine word and letter evidence with the n-gram model's opinion into one guess."""
    words = word_lists().scores(script, tokens)
    languages = word_lists().languages(script)
    logits = {
        language: words.get(language, 0) * WORD_WEIGHT + letters.get(language, 0.0)
        for language in languages
    }
    evidence = any(words.values()) or any(letters.values())
    # French administrative words ("rdv", "prefecture", "caf") are written so in every
    # language: the model is not shown them, as they are no evidence in the word lists either.
    borrowed = word_lists().borrowed
    model = probabilities(
        script, " ".join(token for token in tokens if fold(script, token) not in borrowed)
    )
    # Without words or letters the model decides alone; with them it only tips.
    weight = 1.0 if not evidence else MODEL_WEIGHT_WITH_EVIDENCE
    modelled = len(model)
    for language in languages if model else ():
        # The model only tells apart the languages it knows (French from English, not
        # either from Bengali in Latin letters): its opinion moves them against each other
        # around an even share, and a language it does not know keeps its words' score.
        # Without any evidence, those it does not know stay below.
        if language in model:
            share = max(model[language], PROBABILITY_FLOOR) * modelled
            logits[language] += weight * math.log(share)
        elif not evidence:
            logits[language] += math.log(UNMODELLED_PROBABILITY * modelled)
    best = max(logits, key=lambda language: logits[language])
    top = logits[best]
    confidence = 1.0 / sum(math.exp(logit - top) for logit in logits.values())
    if letters.get(best, 0.0) >= words.get(best, 0) * WORD_WEIGHT > 0 or (
        letters.get(best, 0.0) > 0 and not words.get(best, 0)
    ):
        reason = (letter_reasons or {}).get(best, "letters")
    elif words.get(best, 0):
        reason = "words"
    else:
        reason = "lingua" if model else "default"
    return best, confidence, reason


@cache
def _known_codes() -> frozenset[str]:
    from bot.i18n import load_languages

    return frozenset(language.code for language in load_languages())


def _complete_codes() -> frozenset[str]:
    """Languages declared complete in locales/languages.yml: those the assistant offers."""
    from bot.i18n import load_languages

    return frozenset(language.code for language in load_languages().complete)
