"""Numbers in typed answers that are not the count asked: ages, people who stay, years.

"Me, my wife and our two sons who are 19 and 21" moves four adults; "two sons, the elder is
20" one child; "my daughter stays in Kabul" none; "since 2019" is years of experience. The
words are in the `numbers` part of data/answers.yml; actions/answers.py applies these rules.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from actions.lexicon_file import lexicon_data, normalised_words
from common.text import is_arabic_script, normalise

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
    # "no", "wait", "sorry" with a pause: what follows replaces the number said before
    corrections: frozenset[str] = frozenset()
    conclusions: frozenset[str] = frozenset()  # "so", "نو", "يعني": the number after is meant
    coming: frozenset[str] = frozenset()  # "with me", "راسره", "جايين": those counted move
    fillers: frozenset[str] = frozenset()  # "both", "all", "will": between a number and `coming`
    abroad: frozenset[str] = frozenset()  # places abroad: someone "in" one does not move
    in_before: frozenset[str] = frozenset()  # "in" before a place ("در", "في", "dar")
    in_after: frozenset[str] = frozenset()  # "in" after it (Pashto "کې")
    # number words that are also common words of another language (Pashto "ده", is)
    also_words: frozenset[str] = frozenset()
    ages_only: frozenset[str] = frozenset()  # "ساله", "سالگی", "کلن": only ever an age
    grown_before: frozenset[str] = frozenset()  # "grown" said before them: "دوه لوی زامن"
    having: frozenset[str] = frozenset()  # "I have": "سه طفل دارم" is all of them
    all_of_them: frozenset[str] = frozenset()  # "they", "all": everyone named stays
    one_of_them: frozenset[str] = frozenset()  # "he", "one of them", "the eldest": one stays


def _words(by_language: Any) -> frozenset[str]:
    """A `language -> [words]` entry, or a list of words said in several languages; a group
    of such entries inside one ("deceased" among the words for staying) adds its words."""
    if isinstance(by_language, list):
        by_language = {"any": by_language}
    groups = {k: v for k, v in (by_language or {}).items() if isinstance(v, Mapping)}
    lists = {k: v for k, v in (by_language or {}).items() if k not in groups}
    return frozenset(normalised_words(lists)).union(*map(_words, groups.values()))


@functools.lru_cache(maxsize=1)
def counting_words() -> CountingWords:
    """The counting words of data/answers.yml (read once per process)."""
    part = lexicon_data().get("numbers") or {}
    return CountingWords(
        years_since=frozenset(part.get("years_since") or ()),
        # "ساله", "کلن" are ages wherever people are counted too.
        age_units=_words(part.get("age_units")) | _words(part.get("ages_only")),
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
        corrections=_words(part.get("corrections")),
        conclusions=_words(part.get("conclusions")),
        coming=_words(part.get("coming")),
        fillers=_words(part.get("fillers")),
        abroad=_words(part.get("abroad")),
        in_before=_words((part.get("in") or {}).get("before")),
        in_after=_words((part.get("in") or {}).get("after")),
        also_words=_words(part.get("also_words")),
        ages_only=_words(part.get("ages_only")),
        grown_before=_words(part.get("grown_before")),
        having=_words(part.get("having")),
        all_of_them=_words((part.get("who_stays") or {}).get("all")),
        one_of_them=_words((part.get("who_stays") or {}).get("one")),
    )


def _number(token: str, numbers: Mapping[str, int]) -> int | None:
    return int(token) if token.isdigit() else numbers.get(token)


def without_ages(
    tokens: Sequence[str],
    numbers: Mapping[str, int],
    bare: Any = None,
    units: frozenset[str] | None = None,
) -> tuple[list[str], list[int]]:
    """The words less the ages said ("دختر ۳ ساله", "عمره 20 سنة", "19 و 21 عام"), and
    those ages. `bare` takes a word's proclitics off ("وعمرها"); `units` are the words after
    which a number is an age (every unit of age unless told: where years are counted, only
    those that say nothing else, "از ۱۵ سالگی")."""
    strip = bare or (lambda token: token)
    words = counting_words()
    age_units = words.age_units if units is None else units
    ages: set[int] = set()
    masked: set[int] = set()

    def walk(start: int, step: int) -> int:
        # Over numbers and "and" between them: "19 و 21", "بين 19 و21".
        position = start
        while 0 <= position < len(tokens):
            token = strip(tokens[position])
            value = _number(token, numbers)
            # "عمري 15 سنة": the unit after the age is no number ("سنة" is also "a year").
            if value is not None and token not in words.age_units:
                ages.add(position)
                masked.add(position)
            elif token not in words.and_words and tokens[position] not in words.and_words:
                break
            position += step
        return position

    for position, token in enumerate(tokens):
        word = strip(token)
        if token in age_units or word in age_units:
            if position > 0 and _number(strip(tokens[position - 1]), numbers) is not None:
                masked.add(position)
                walk(position - 1, -1)
        elif token in words.age_markers or word in words.age_markers:
            masked.add(position)
            end = walk(position + 1, 1)
            # "عمري 15 سنة": the unit of that age goes with it (it is no "one year").
            if end > position + 1 and end < len(tokens) and strip(tokens[end]) in words.age_units:
                masked.add(end)
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
        and any(
            _is(tokens[position + kid], words.kids, strip)
            and _is(
                tokens[position + 3 - kid], words.grown if kid == 1 else words.grown_before, strip
            )
            for kid in (1, 2)  # "دو پسر کلان", and Pashto's adjective first: "دوه لوی زامن"
        )
    }
    return [token for position, token in enumerate(tokens) if position not in dropped]


def _is(token: str, words: frozenset[str], strip: Any) -> bool:
    """Whether a word, as typed or without its proclitics, is one of `words`."""
    return token in words or strip(token) in words


def grown_kids(tokens: Sequence[str], numbers: Mapping[str, int], bare: Any = None) -> int:
    """Sons and daughters said to be grown ("ثلاث بنات كبار": 3; Pashto puts the adjective
    first, "دوه لوی زامن": 2), who move as adults."""
    strip = bare or (lambda token: token)
    words = counting_words()
    count = 0
    for position, token in enumerate(tokens):
        if strip(token) not in words.kids and token not in words.kids:
            continue
        # The word itself first: "بزرگم" (my elder) is no proclitic "ب" before "زرگم".
        after = tokens[position + 1] if position + 1 < len(tokens) else ""
        if after and _is(after, words.grown, strip):
            number_at = position - 1
        elif position > 0 and _is(tokens[position - 1], words.grown_before, strip):
            number_at = position - 2
        else:
            continue
        before = _number(strip(tokens[number_at]), numbers) if number_at >= 0 else None
        count += before or 1
    return count


_GLUED: Final = re.compile(r"(\d+)(\D+)")


def unglued(tokens: Sequence[str], numbers: Mapping[str, int] | None = None) -> list[str]:
    """A number typed against its unit as two words: "5ans", "10سنين", "2enfants", and a
    number word against a unit of time ("یکسال", one year; "دوماه"). Only before a counting
    word (a unit of time, or a noun a question counts): "3am" stays the Arabizi "عام" (a
    year), "امسال" (this year) one word."""
    words = counting_words()
    units = words.age_units | words.months | words.kids | words.grown
    units = units.union(*words.slot_nouns.values())
    times = words.age_units | words.months
    out: list[str] = []
    for token in tokens:
        glued = _GLUED.fullmatch(token)
        if glued and glued.group(2) in units:
            out += [glued.group(1), glued.group(2)]
            continue
        split = next(
            (
                at
                for at in range(2, len(token) - 1)
                if token[:at] in (numbers or {}) and token[at:] in times
            ),
            None,
        )
        # Arabic script only: "lasans" is no "las ans" (ten years).
        glued_word = split and token not in units and is_arabic_script(token)
        out += [token[:split], token[split:]] if glued_word else [token]
    return out


def noun_count(
    tokens: Sequence[str],
    slot: str,
    numbers: Mapping[str, int],
    bare: Any = None,
    accepts: Callable[[int], bool] = lambda count: True,
) -> int | None:
    """The people a number counts for the slot's own noun ("2 adultes et 3 enfants": 3
    children, 2 adults; "دو نفر بزرگ و سه طفل"), or None when no number is said with it.
    A number the question cannot take is an age ("20 kalan": twenty years old), and a
    "grown" noun before a son or a daughter is their adjective ("دوه لوی زامن")."""
    strip = bare or (lambda token: token)
    words = counting_words()
    nouns = words.slot_nouns.get(slot, frozenset())
    total: int | None = None
    used: set[int] = set()  # "۲ نفر بزرگ": one number for two nouns
    for position, token in enumerate(tokens):
        if token not in nouns and strip(token) not in nouns:
            continue
        after = tokens[position + 1] if position + 1 < len(tokens) else ""
        if after and _is(token, words.grown_before, strip) and _is(after, words.kids, strip):
            continue
        before = position - 1
        if before > 0 and strip(tokens[before]) in words.classifiers:
            before -= 1
        if before < 0 or before in used:
            continue
        count = _number(strip(tokens[before]), numbers)
        if count is not None and accepts(count):
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


@dataclass(frozen=True)
class Moving:
    """A message's clauses about people who move, and how many it says stay."""

    kept: list[str]
    dropped: bool  # a clause about someone who stays was left out
    # how many the left-out clauses say stay (EVERYONE: "they"), None when they do not say
    stayers: int | None = None


# "They stay" (هغوی, همه): every one of those said ("I have two") stays.
EVERYONE: Final = -1


def moving_clauses(
    text: str,
    bare: Any = None,
    numbers: Mapping[str, int] | None = None,
    persons: frozenset[str] = frozenset(),
    speaker: frozenset[str] = frozenset(),
) -> Moving:
    """The clauses of a message less those about someone who stays ("my daughter stays in
    Kabul", "وبقاو فالدزاير", "ښځه مې په افغانستان کې ده": in a country abroad), whether one
    was left out, and how many they say stay. A clause that says who stays and then who
    comes ("my elder son stays in Morocco and the younger comes with me") is cut at the last
    "and" before the coming, or right after the staying ("کلانش نمیایه دو تا خوردش همرای
    ما"); one that lists the person typing and others before the one who stays, with no
    "and" to join them ("زه او میړه مې خواښې مې دلته پاتې کیږي": me and my husband, my
    mother-in-law stays here) keeps that list. A place abroad says so only beside one of
    `persons` (kin, children, "they"): "در افغانستان معلم بودم" (I was a teacher in
    Afghanistan) is no one; `speaker` are the words for the person typing."""
    strip = bare or (lambda token: token)
    words = counting_words()
    kept: list[str] = []
    dropped = False
    stayers: int | None = 0
    for tokens in _clauses(text):
        stays = _staying_at(tokens, strip, persons)
        if stays is None:
            kept.append(" ".join(tokens))
            continue
        dropped = True
        listed = _listed_before(tokens, stays, strip, persons, speaker)
        if listed:
            kept.append(" ".join(tokens[:listed]))
            tokens = tokens[listed:]
            stays -= listed
        said = _stayers(tokens, numbers or {}, strip)
        if EVERYONE in (said, stayers):
            stayers = EVERYONE  # "they all stay" whatever else is said
        elif said is None or stayers is None:
            stayers = None
        else:
            stayers += said
        # After the whole staying phrase: "نه راځي" (does not come) is no coming.
        said_at = stays + (2 if " ".join(tokens[stays : stays + 2]) in words.staying else 1)
        comes = next(
            (
                i
                for i in range(said_at, len(tokens))
                if _is(tokens[i], words.coming, strip)
                or " ".join(tokens[i : i + 2]) in words.coming
            ),
            None,
        )
        if comes is None:
            continue
        joins = [
            i
            for i in range(said_at, comes)
            if tokens[i] in words.and_words
            or (tokens[i][:1] == "و" and strip(tokens[i]) != tokens[i])
        ]
        # Without an "and", those who come start right after the staying word.
        kept.append(" ".join(tokens[joins[-1] + 1 if joins else said_at :]))
    return Moving(kept, dropped, stayers)


def _listed_before(
    tokens: Sequence[str],
    stays: int,
    strip: Any,
    persons: frozenset[str],
    speaker: frozenset[str],
) -> int:
    """Where the one who stays is named, when the person typing and someone else are listed
    before with no "and" to join them ("زه او میړه مې | خواښې مې دلته پاتې کیږي"); else 0."""
    words = counting_words()
    named = [i for i in range(stays) if _is(tokens[i], persons, strip)]
    if len(named) < 2:
        return 0
    last = named[-1]
    joined = tokens[last] != strip(tokens[last]) and tokens[last][:1] == "و"
    if joined or tokens[last - 1] in words.and_words:
        return 0
    return last if any(token in speaker for token in tokens[:last]) else 0


def _stayers(tokens: Sequence[str], numbers: Mapping[str, int], strip: Any) -> int | None:
    """How many a clause about staying says stay: a number said (not an age: "دوه یې لوی دي
    هغوی نه راځي", two of them are grown, they do not come), everyone ("they"), one ("he",
    "the eldest"), or None."""
    words = counting_words()
    rest, _ = without_ages(tokens, numbers, strip)
    said = [_number(strip(token), numbers) for token in rest]
    counts = [count for count in said if count is not None]
    if counts:
        return counts[0]
    if any(
        _is(token, words.all_of_them, strip) or " ".join(tokens[i : i + 2]) in words.all_of_them
        for i, token in enumerate(tokens)
    ):
        return EVERYONE
    if any(_is(token, words.one_of_them, strip) for token in tokens):
        return 1
    return None


def says_coming(tokens: Sequence[str], bare: Any = None) -> bool:
    """Whether the words say that someone comes ("راسره", "با ما", "جايين")."""
    strip = bare or (lambda token: token)
    coming = counting_words().coming
    return any(
        _is(token, coming, strip) or " ".join(tokens[i : i + 2]) in coming
        for i, token in enumerate(tokens)
    )


def having_said(text: str) -> bool:
    """Whether a message says "I have" ("سه طفل دارم"): its count is all of them, those who
    stay too."""
    words = counting_words()
    return any(token in words.having for clause in _clauses(text) for token in clause)


def _staying_at(tokens: Sequence[str], strip: Any, persons: frozenset[str]) -> int | None:
    """Where a clause says that someone stays (a word for staying, or someone "in" a place
    abroad), or None."""
    words = counting_words()
    who = persons | words.all_of_them | words.one_of_them
    someone = any(
        _is(token, who, strip) or " ".join(tokens[i : i + 2]) in who
        for i, token in enumerate(tokens)
    )
    for position, token in enumerate(tokens):
        pair = " ".join(tokens[position : position + 2])
        if _is(token, words.staying, strip) or pair in words.staying:
            return position
        if someone and _is_place(token, strip) and _said_in(tokens, position, strip):
            return position
    return None


def _is_place(token: str, strip: Any) -> bool:
    """Whether a word is a place abroad, also with "in" glued to its article ("فالمغرب",
    "بالجزائر"): the proclitics taken off whole would leave "مغرب"."""
    abroad = counting_words().abroad
    return _is(token, abroad, strip) or (token[:1] in "فب" and token[1:] in abroad)


def _said_in(tokens: Sequence[str], position: int, strip: Any) -> bool:
    """Whether the place at `position` is said with "in" ("در کابل", "په پېښور کې",
    "فالمغرب"), not "from" ("از کابل آمدیم")."""
    words = counting_words()
    token = tokens[position]
    before = tokens[position - 1] if position else ""
    after = tokens[position + 1] if position + 1 < len(tokens) else ""
    glued = token not in words.abroad and token[:1] in "فب"  # "فالمغرب", "بسوريا"
    return glued or before in words.in_before or after in words.in_after


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
    کې ده": only me, my wife is in Afghanistan; "زه یم بس ...": I am, that's all)."""
    words = counting_words()
    for clause in _clauses(text):
        tokens = set(clause)
        if tokens & words.only and tokens & self_words and tokens <= words.only | self_words:
            return True
    return False


_PAUSE: Final = re.compile(r"[،,;؛:.!؟?…]")
_WORD: Final = re.compile(r"[^\s،,;؛:.!؟?…]+")


def restarted(text: str, numbers: Mapping[str, int], bare: Any = None) -> str:
    """The message from its last correction or conclusion on, when a number follows it
    within three words: "سه نفر... نه، چهار" (three... no, four), "دوه کاله... نه صبر، دوه"
    (two years... no wait, two and a half), "نو دوه" (so two), "يعني اكتر من عشرة" (that is,
    more than ten). A correction is a "no" or "sorry" word with a pause after it, or two of
    them together ("نه ببخشید سه تا", no sorry, three), once a number was said ("دو طفل دارم
    نه سه": "not three" stays as typed); two with a pause after withdraw the number said
    before even when none follows ("درې... نه صبر، ورور مې نه راځي": the count is read from
    what follows). Else the message."""
    strip = bare or (lambda token: token)
    words = counting_words()
    found = list(_WORD.finditer(text))
    plain = [normalise(match.group()) for match in found]

    def is_number(word: str) -> bool:
        return any(_number(part, numbers) is not None for part in (word, strip(word)) if part)

    def pause_after(position: int) -> bool:
        end = found[position + 1].start() if position + 1 < len(found) else len(text)
        return bool(_PAUSE.search(text[found[position].end() : end]))

    def correction_at(position: int) -> int:
        # The words of the longest correction starting there ("صبر کن", "i mean"), or 0.
        for size in (3, 2, 1):
            phrase = plain[position : position + size]
            if (
                len(phrase) == size
                and " ".join(phrase) in words.corrections
                and not any(pause_after(at) for at in range(position, position + size - 1))
            ):
                return size
        return 0

    start: int | None = None
    position = 0
    while position < len(plain):
        word = plain[position]
        rest = position + (correction_at(position) or 1)
        if correction_at(position):
            said = 1
            while rest < len(plain) and correction_at(rest) and not pause_after(rest - 1):
                rest += correction_at(rest)
                said += 1
            if not any(is_number(w) for w in plain[:position]):
                position = rest
                continue
            paused = pause_after(rest - 1)
            if not paused and said < 2:
                position = rest
                continue
            if paused and said >= 2 and rest < len(plain):
                start = rest  # "no wait," withdraws the number said before
        elif word not in words.conclusions:
            position += 1
            continue
        if any(is_number(w) for w in plain[rest : rest + 3]):
            start = rest
        position = rest
    if start is None or start >= len(found):
        return text
    return text[found[start].start() :]


def coming_count(
    tokens: Sequence[str],
    nouns: frozenset[str],
    numbers: Mapping[str, int],
    bare: Any = None,
) -> int | None:
    """The number said with a word for coming ("دو تا با ما میان", two come with us; "نور
    درې راسره ځي"; "يجيو معايا 2"), with nothing but `nouns`, a classifier or a filler
    ("both", "will") between; the last one said, or None."""
    strip = bare or (lambda token: token)
    words = counting_words()
    between = nouns | words.classifiers | words.fillers
    found: int | None = None
    for position, token in enumerate(tokens):
        pair = " ".join(tokens[position : position + 2])
        if pair in words.coming:
            size = 2
        elif _is(token, words.coming, strip):
            size = 1
        else:
            continue
        for start, step in ((position - 1, -1), (position + size, 1)):
            at = start
            while (
                0 <= at < len(tokens) and at != start + 4 * step and _is(tokens[at], between, strip)
            ):
                at += step
            count = _number(strip(tokens[at]), numbers) if 0 <= at < len(tokens) else None
            if count is not None:
                found = count
                break
    return found


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
