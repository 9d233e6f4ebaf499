"""Numbers in typed answers that are not the count asked: ages, people who stay, years.

"Me, my wife and our two sons who are 19 and 21" moves four adults; "two sons, the elder is
20" one child; "my daughter stays in Kabul" none; "since 2019" is years of experience. The
words are in the `numbers` part of data/answers.yml; actions/answers.py applies these rules.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from actions.lexicon_file import lexicon_data, normalised_words
from common.text import normalise

# Of age from 18: a child of that age moves as an adult (docs/api-contract.md counts them so).
ADULT_AGE: Final = 18
# A year of the calendar, not a count of years, from here to today.
FIRST_YEAR: Final = 1940
# Gregorian year less the solar hijri one (Afghanistan's, Iran's) from the spring equinox.
SOLAR_HIJRI_OFFSET: Final = 621
# Clauses of a message: "only me, my wife stays in Morocco" is two statements.
_CLAUSE_BREAK: Final = re.compile(r"[،,;؛:.!؟?\n]+")


@dataclass(frozen=True)
class CountingWords:
    """The `numbers` part of data/answers.yml, normalised (every language together)."""

    years_since: frozenset[str]  # slots where a calendar year means "since then"
    age_units: frozenset[str]  # "ans", "ساله", "کلن": the number before them is an age
    age_markers: frozenset[str]  # "aged", "عمره": the number after them is an age
    and_words: frozenset[str]  # "19 و 21 ساله": a list of ages
    kids: frozenset[str]  # sons, daughters, children: a grown one moves as an adult
    grown: frozenset[str]  # "grown" said after them: "ثلاث بنات كبار"
    staying: frozenset[str]  # "stays", "میمانه", "پاتې": not moving
    only: frozenset[str]  # "only", "فقط", "یوازې": "only me" is one adult
    months: frozenset[str] = frozenset()  # "6 mois", "۸ ماه": not years
    # slot -> the nouns a number counts for it ("2 adultes et 3 enfants": 3 children)
    slot_nouns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    classifiers: frozenset[str] = frozenset()  # "دو نفر بزرگ", "سه تا طفل"
    but: frozenset[str] = frozenset()  # "but": a clause ends before it
    less_than: tuple[str, ...] = ()  # "less than a year" is 0


def _words(by_language: Any) -> frozenset[str]:
    return frozenset(normalised_words(by_language))


@functools.lru_cache(maxsize=1)
def counting_words() -> CountingWords:
    """The counting words of data/answers.yml (read once per process)."""
    part = lexicon_data().get("numbers") or {}
    return CountingWords(
        years_since=frozenset(part.get("years_since") or ()),
        age_units=_words(part.get("age_units")),
        age_markers=_words(part.get("age_markers")),
        and_words=_words(part.get("and")),
        kids=_words(part.get("kids")),
        grown=_words(part.get("grown")),
        staying=_words(part.get("staying")),
        only=_words(part.get("only")),
        months=_words(part.get("months")),
        slot_nouns={
            slot: _words(by_language) for slot, by_language in (part.get("nouns") or {}).items()
        },
        classifiers=_words(part.get("classifiers")),
        but=_words(part.get("but")),
        less_than=tuple(sorted(_words(part.get("less_than")), key=len, reverse=True)),
    )


def _number(token: str, numbers: Mapping[str, int]) -> int | None:
    return int(token) if token.isdigit() else numbers.get(token)


def without_ages(
    tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None
) -> tuple[list[str], list[int]]:
    """The words less the ages said ("دختر ۳ ساله", "عمره 20 سنة", "19 و 21 عام"), and
    those ages. `bare` takes a word's proclitics off ("وعمرها")."""
    strip = bare or (lambda token: token)
    words = counting_words()
    ages: set[int] = set()
    masked: set[int] = set()

    def walk(start: int, step: int) -> None:
        # Over numbers and "and" between them: "19 و 21", "بين 19 و21".
        position = start
        while 0 <= position < len(tokens):
            token = strip(tokens[position])
            value = _number(token, numbers)
            if value is not None:
                ages.add(position)
                masked.add(position)
            elif token not in words.and_words and tokens[position] not in words.and_words:
                return
            position += step

    for position, token in enumerate(tokens):
        word = strip(token)
        if token in words.age_units or word in words.age_units:
            if position > 0 and _number(strip(tokens[position - 1]), numbers) is not None:
                masked.add(position)
                walk(position - 1, -1)
        elif token in words.age_markers or word in words.age_markers:
            masked.add(position)
            walk(position + 1, 1)
    said = [_number(strip(tokens[p]), numbers) for p in sorted(ages)]
    return [t for p, t in enumerate(tokens) if p not in masked], [a for a in said if a is not None]


def names_kids(tokens: Sequence[str], bare: Any = None) -> bool:
    """Whether a son, a daughter or children are named (an age alone may be a sister's)."""
    strip = bare or (lambda token: token)
    kids = counting_words().kids
    return any(token in kids or strip(token) in kids for token in tokens)


def without_grown_counts(
    tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None
) -> list[str]:
    """The tokens less the numbers of grown sons and daughters ("دو پسر کلانم": the two are
    counted by `grown_kids`, not the adults said)."""
    strip = bare or (lambda token: token)
    words = counting_words()
    dropped = {
        position
        for position in range(len(tokens) - 2)
        if _number(strip(tokens[position]), numbers) is not None
        and (tokens[position + 1] in words.kids or strip(tokens[position + 1]) in words.kids)
        and (tokens[position + 2] in words.grown or strip(tokens[position + 2]) in words.grown)
    }
    return [token for position, token in enumerate(tokens) if position not in dropped]


def grown_kids(tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None) -> int:
    """Sons and daughters said to be grown ("ثلاث بنات كبار": 3), who move as adults."""
    strip = bare or (lambda token: token)
    words = counting_words()
    count = 0
    for position, token in enumerate(tokens[:-1]):
        if strip(token) not in words.kids and token not in words.kids:
            continue
        # The word itself first: "بزرگم" (my elder) is no proclitic "ب" before "زرگم".
        after = tokens[position + 1]
        if after not in words.grown and strip(after) not in words.grown:
            continue
        before = _number(strip(tokens[position - 1]), numbers) if position else None
        count += before or 1
    return count


_GLUED: Final = re.compile(r"(\d+)(\D+)")


def unglued(tokens: Sequence[str]) -> list[str]:
    """A number typed against its unit as two words: "5ans", "10سنين", "2enfants". Only
    before a counting word (a unit of time, or a noun a question counts): "3am" stays the
    Arabizi "عام" (a year)."""
    words = counting_words()
    units = words.age_units | words.months | words.kids | words.grown
    units = units.union(*words.slot_nouns.values())
    out: list[str] = []
    for token in tokens:
        glued = _GLUED.fullmatch(token)
        if glued and glued.group(2) in units:
            out += [glued.group(1), glued.group(2)]
        else:
            out.append(token)
    return out


def noun_count(
    tokens: Sequence[str], slot: str, numbers: Mapping[str, int], bare: Any = None
) -> int | None:
    """The people a number counts for the slot's own noun ("2 adultes et 3 enfants": 3
    children, 2 adults; "دو نفر بزرگ و سه طفل"), or None when no number is said with it."""
    strip = bare or (lambda token: token)
    words = counting_words()
    nouns = words.slot_nouns.get(slot, frozenset())
    total: int | None = None
    used: set[int] = set()  # "۲ نفر بزرگ": one number for two nouns
    for position, token in enumerate(tokens):
        if token not in nouns and strip(token) not in nouns:
            continue
        before = position - 1
        if before > 0 and strip(tokens[before]) in words.classifiers:
            before -= 1
        if before < 0 or before in used:
            continue
        count = _number(strip(tokens[before]), numbers)
        if count is not None:
            used.add(before)
            total = (total or 0) + count
    return total


def without_months(
    tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None
) -> tuple[list[str], int | None]:
    """The words less the months said ("سنة و 6 اشهر": "سنة و"), and how many months
    (None when no month is named; "a few months" is 0)."""
    strip = bare or (lambda token: token)
    words = counting_words()
    months: int | None = None
    masked: set[int] = set()
    for position, token in enumerate(tokens):
        if token not in words.months and strip(token) not in words.months:
            continue
        masked.add(position)
        count = _number(strip(tokens[position - 1]), numbers) if position else None
        if count is not None:
            masked.add(position - 1)
        months = (months or 0) + (count or 0)
    return [t for p, t in enumerate(tokens) if p not in masked], months


def less_than(tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None) -> int | None:
    """The whole number under "less than N" ("أقل من سنة": 0, "کمتر از دو سال": 1), or None."""
    strip = bare or (lambda token: token)
    for phrase in counting_words().less_than:
        size = len(phrase.split())
        for start in range(len(tokens) - size):
            if " ".join(tokens[start : start + size]) != phrase:
                continue
            number = _number(strip(tokens[start + size]), numbers)
            if number is None and start + size + 1 < len(tokens):
                # "کمتر از یک سال": the number may come one word later ("moins d un an").
                number = _number(strip(tokens[start + size + 1]), numbers)
            if number is not None:
                return max(number - 1, 0)
    return None


def moving_clauses(text: str) -> tuple[list[str], bool]:
    """The clauses of a message less those about someone who stays ("my daughter stays in
    Kabul"), and whether one was left out."""
    words = counting_words()
    kept: list[str] = []
    dropped = False
    for tokens in _clauses(text):
        if words.staying.intersection(tokens) or any(
            " ".join(tokens[i : i + 2]) in words.staying for i in range(len(tokens) - 1)
        ):
            dropped = True
            continue
        kept.append(" ".join(tokens))
    return kept, dropped


def _clauses(text: str) -> list[list[str]]:
    """The normalised words of each clause: cut at punctuation and at "but" ("زوی مې راځي
    خو لور مې پاتې کیږي": my son comes but my daughter stays)."""
    but = counting_words().but
    out: list[list[str]] = []
    for clause in _CLAUSE_BREAK.split(text):
        current: list[str] = []
        for token in normalise(clause).split():
            if token in but and current:
                out.append(current)
                current = []
            elif token not in but:
                current.append(token)
        if current:
            out.append(current)
    return out


def only_me(text: str, self_words: frozenset[str]) -> bool:
    """Whether a clause says "only me" and nothing else ("یوازې زه، میرمن مې په افغانستان
    کې ده": only me, my wife is in Afghanistan)."""
    words = counting_words()
    for clause in _CLAUSE_BREAK.split(text):
        tokens = set(normalise(clause).split())
        if tokens & words.only and tokens & self_words and tokens <= words.only | self_words:
            return True
    return False


def years_since(number: int, today: datetime.date | None = None) -> int | None:
    """The years from a calendar year to today ("since 2019" in 2026: 7; Afghans count in
    the solar hijri calendar, "از ۱۳۹۸": 7 too), or None when `number` is no such year."""
    day = today or datetime.date.today()
    if FIRST_YEAR <= number <= day.year:
        return day.year - number
    # The solar hijri year starts at the spring equinox (about 21 March): 1405 in 2026-27.
    solar = day.year - (SOLAR_HIJRI_OFFSET if (day.month, day.day) >= (3, 21) else 622)
    if FIRST_YEAR - SOLAR_HIJRI_OFFSET <= number <= solar:
        return solar - number
    return None
