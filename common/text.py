"""Text normalisation both processes share: digits of any script, case, accents, punctuation,
and the letters that Arabic, Dari and Pashto keyboards write differently."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# A letter held down ("لاااا", "نعممم", "ouiii", "noooo"): one. Two stay ("ممكن", "cool").
_HELD_LETTER: Final = re.compile(r"([^\W\d_])\1{2,}")

# One letter for the letters that people type for one another (after NFKD has already
# taken hamza and madda off أ إ آ ؤ ئ ۀ): Arabic ي ى / Persian ی / Pashto ې ۍ, Arabic ك /
# Persian ک, ة / ه, and Pashto letters that a Persian or Arabic keyboard lacks, typed with
# their nearest letter (ټ → ت, ډ → د, ړ → ر, ڼ → ن, ښ → ش, ږ → ژ, ګ → گ, ځ → ز, څ → س) or
# with an Urdu keyboard's.
# Compared texts are folded alike, so the folding only has to be consistent.
_LETTERS: Final = str.maketrans(
    {
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ۍ": "ي",
        "ئ": "ي",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ھ": "ه",
        "ە": "ه",
        "ٱ": "ا",
        "ټ": "ت",
        "ډ": "د",
        "ړ": "ر",
        "ڼ": "ن",
        "ښ": "ش",
        "ږ": "ژ",
        "ګ": "گ",
        "ڭ": "گ",
        "ڨ": "ق",
        "ڤ": "ف",
        "ځ": "ز",
        "څ": "س",
        # Urdu keyboards (Pashto speakers from Pakistan): ے ہ ۃ ں ٹ ڈ ڑ.
        "ے": "ي",
        "ۓ": "ي",
        "ہ": "ه",
        "ۃ": "ه",
        "ں": "ن",
        "ٹ": "ت",
        "ڈ": "د",
        "ڑ": "ر",
        # Dropped: tatweel (a stretch, ـ), a bare hamza (لاجيء / لاجي), zero-width joiners.
        "ـ": None,
        "ء": None,
        "\u200d": None,
    }
)


def ascii_digits(text: str) -> str:
    """The text with every decimal digit (٣ Arabic-Indic, ۳ Persian…) written 0-9."""
    if text.isascii():
        return text
    return "".join(
        str(decimal) if (decimal := unicodedata.decimal(ch, None)) is not None else ch
        for ch in text
    )


def normalise(text: str) -> str:
    """Lower case, no accents or harakat, Arabic-script letter variants folded (ی/ي, ک/ك,
    ة/ه…), a letter held down typed once, punctuation and symbols as spaces (ZWNJ too),
    single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        decimal = unicodedata.decimal(ch, None)
        if decimal is not None:
            kept.append(str(decimal))  # ٣ and ۳ are 3
        elif unicodedata.category(ch)[0] in "PSZC" and ch != "\u200d":
            kept.append(" ")
        else:
            kept.append(ch)
    folded = _HELD_LETTER.sub(r"\1", "".join(kept).translate(_LETTERS))
    return " ".join(folded.split())


def is_arabic_script(word: str) -> bool:
    """Whether a word is written in Arabic script (Arabic, Dari, Pashto)."""
    return bool(word) and "\u0600" <= word[0] <= "\u06ff"
