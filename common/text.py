"""Text normalisation both processes share: digits of any script, case, accents, punctuation."""

from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """The text with every decimal digit (٣ Arabic-Indic, ۳ Persian…) written 0-9."""
    if text.isascii():
        return text
    return "".join(
        str(decimal) if (decimal := unicodedata.decimal(ch, None)) is not None else ch
        for ch in text
    )


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation and symbols as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        decimal = unicodedata.decimal(ch, None)
        if decimal is not None:
            kept.append(str(decimal))  # ٣ and ۳ are 3
        elif unicodedata.category(ch)[0] in "PSZC":
            kept.append(" ")
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())
