"""Split a long message into parts that fit a channel's limit, at the most natural boundary.

Boundaries, strongest first: blank lines (paragraphs), line breaks, sentence ends, spaces
between words. A part is cut inside a word only when that word alone exceeds the limit, and
even then never inside a character cluster (a letter and its combining marks).

`measure` tells how big a text is for the channel: `len` for Telegram (4,096), SMS segments
(`bot.channels.gsm.segments`) for SMS. It must not decrease when a text grows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Measure = Callable[[str], int]

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"\n\s*")
# Sentence-final punctuation (Latin, Arabic/Persian/Pashto, Bengali, Ethiopic, CJK), the
# closing quotes or brackets that may follow it, then the white space where we may cut.
_SENTENCE = re.compile(r"[.!?…؟۔।॥።፧。！？]+[\"'»”’)\]]*(\s+)")
_WORD = re.compile(r"\s+")
# A number that starts a line ("1. Yes") or a single capital ("M. Dupont") before a period
# is a list marker or an initial, not the end of a sentence.
_NOT_SENTENCE_END = re.compile(r"(?:^|\n)\s*\d{1,3}\.$|(?:^|\s)[A-Z]\.$")


def split_text(text: str, limit: int, *, measure: Measure = len) -> list[str]:
    """The parts of `text`, each with `measure(part) <= limit`, cut at natural boundaries.

    White space at the edges of each part is dropped; an empty or blank text gives no part.
    Parts are packed greedily: as much as fits goes into each part, in order.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not text.strip():
        return []
    pieces = _split(text, limit, measure, 0)
    return [part for part in (piece.strip() for piece in pieces) if part]


def _fits(text: str, limit: int, measure: Measure) -> bool:
    return measure(text.strip()) <= limit


def _split(text: str, limit: int, measure: Measure, level: int) -> list[str]:
    """Raw substrings of `text` (concatenated, they give `text` back) that each fit."""
    if _fits(text, limit, measure):
        return [text]
    if level == len(_SPLITTERS):
        return _hard_split(text, limit, measure)
    pieces = _SPLITTERS[level](text)
    if len(pieces) == 1:
        return _split(text, limit, measure, level + 1)
    out: list[str] = []
    current = ""
    for piece in pieces:
        if _fits(current + piece, limit, measure):
            current += piece
            continue
        if current.strip():
            out.append(current)
            current = ""
        if _fits(piece, limit, measure):
            current = piece
        else:
            smaller = _split(piece, limit, measure, level + 1)
            out.extend(smaller[:-1])
            current = smaller[-1]
    if current.strip() or not out:
        out.append(current)
    return out


def _cut_after(
    text: str, pattern: re.Pattern[str], keep: Callable[[re.Match[str]], bool]
) -> list[str]:
    """`text` cut after each match of `pattern` that `keep` accepts; the matches stay in."""
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if match.end() >= len(text) or not keep(match):
            continue
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _paragraphs(text: str) -> list[str]:
    return _cut_after(text, _PARAGRAPH, lambda _m: True)


def _lines(text: str) -> list[str]:
    return _cut_after(text, _LINE, lambda _m: True)


def _sentences(text: str) -> list[str]:
    def is_end(match: re.Match[str]) -> bool:
        head = text[: match.start(1)].rstrip("\"'»”’)]")
        return not _NOT_SENTENCE_END.search(head)

    return _cut_after(text, _SENTENCE, is_end)


def _words(text: str) -> list[str]:
    return _cut_after(text, _WORD, lambda _m: True)


_SPLITTERS: tuple[Callable[[str], list[str]], ...] = (_paragraphs, _lines, _sentences, _words)


def _is_cluster_continuation(char: str) -> bool:
    """A combining mark, a joiner or a variation selector: it belongs to the character before."""
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char in "\u200c\u200d"
        or "\ufe00" <= char <= "\ufe0f"
    )


def _hard_split(text: str, limit: int, measure: Measure) -> list[str]:
    """A word longer than the limit, cut into the longest prefixes that fit."""
    out: list[str] = []
    rest = text
    while rest and not _fits(rest, limit, measure):
        # The longest prefix that fits (binary search: `measure` grows with the text).
        low, high = 1, len(rest)
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(rest[:middle], limit, measure):
                low = middle
            else:
                high = middle - 1
        cut = low
        while 1 < cut < len(rest) and _is_cluster_continuation(rest[cut]):
            cut -= 1
        if cut <= 1 and not _fits(rest[:1], limit, measure):
            cut = 1  # a single character larger than the limit: it goes alone
        out.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        out.append(rest)
    return out
