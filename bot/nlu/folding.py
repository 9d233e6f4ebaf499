"""How a word is folded before the NLU featurizers read it: one form per way of typing it."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Letter variants that keyboards and habits mix up (Arabic, Persian and Pashto keyboards,
# with or without hamza). Pashto's own letters (ټ ډ ړ ږ ښ ګ ڼ ې ۍ) are kept: they tell
# Pashto apart from Dari.
_VARIANTS: Final = str.maketrans(
    {
        "ى": "ي",  # alef maksura, typed for a final yeh in Egypt and Sudan
        "ی": "ي",  # Farsi yeh (Persian and Pashto keyboards)
        "ک": "ك",  # keheh (Persian and Pashto keyboards)
        "ڪ": "ك",
        "ٱ": "ا",  # alef wasla
        "ة": "ه",  # teh marbuta, typed as heh at the end of a word
        "ە": "ه",  # what NFKD leaves of Persian heh with yeh above (ۀ)
        "ـ": None,  # tatweel: stretches a word, says nothing
    }
)
# Pashto letters as a Persian keyboard types them (ګ is typed گ, ې and ۍ ی, ...): folded only
# when the tokenizer is asked to (`fold_pashto`), since they also tell Pashto from Dari.
_PASHTO_ON_PERSIAN_KEYBOARD: Final = str.maketrans(
    {
        "ګ": "گ",
        "ې": "ی",
        "ۍ": "ی",
        "ړ": "ر",
        "ښ": "ش",
        "ټ": "ت",
        "ډ": "د",
        "ږ": "ژ",
        "ڼ": "ن",
    }
)
# Three or more of one letter ("merciii", "salaaam", "سلاااام") read as one; digits
# ("1000") and doubled letters ("appelle") are left alone.
_REPEATS: Final = re.compile(r"([^\W\d_])\1{2,}")


def fold(word: str, *, pashto: bool = False) -> str:
    """Lower case, no accents or harakat, one letter per variant, 0-9 digits, no stretching.

    The same choices as common.text.normalise (case, combining marks, digits of any script),
    which reads typed answers, plus the Arabic-script letter variants and repeated letters;
    punctuation is left to the tokenizer. With `pashto`, Pashto's own letters are folded to
    what a Persian keyboard types for them.
    """
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", word.casefold()):
        if unicodedata.combining(ch):
            continue  # é -> e, أ -> ا, harakat and shadda
        decimal = unicodedata.decimal(ch, None)
        kept.append(str(decimal) if decimal is not None else ch)  # ٣ and ۳ are 3
    folded = "".join(kept)
    if pashto:
        folded = folded.translate(_PASHTO_ON_PERSIAN_KEYBOARD)
    folded = folded.translate(_VARIANTS)
    return _REPEATS.sub(r"\1", folded)


# The zero-width non-joiner inside Persian words ("می‌گردم") is typed as a space, or not at
# all, by as many people: the tokenizer splits on it, as on a space.
ZWNJ: Final = "\u200c"
