"""Text normalisation shared by the loader, the matcher and the quiz engine.

Everything the matcher compares goes through :func:`fold` (Unicode NFKC, case folding, accents
removed) and :func:`tokens`; words are then reduced with :func:`stem`, a deliberately light
suffix stripper that works for English plurals and the common Hungarian case and possessive
endings ("kompetenciái", "KPI-jai", "E.4-hez"). Both sides of every comparison are stemmed the
same way, so over-stemming only merges words, it never loses a match.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Questions longer than this are cut before matching (a 200 KB paste is not a question).
MAX_QUESTION_CHARS = 500

_CONTROL = {c for c in range(0x20)} | {0x7F} | set(range(0x80, 0xA0))
_CONTROL_TABLE = {c: " " for c in _CONTROL}
# Bidi controls and zero-width characters: invisible, they only break matching.
_CONTROL_TABLE.update({c: None for c in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF)})
_CONTROL_TABLE.update({c: None for c in range(0x202A, 0x202F)})
_CONTROL_TABLE.update({c: None for c in range(0x2066, 0x206A)})

_WORD = re.compile(r"[a-z0-9]+")
_MARKUP = re.compile(r"<[^<>]{0,200}>|&[a-z]{2,8};|[*_`~|#>]+")
# each branch of _MARKUP starts with one of these characters: a text without them has no markup
_MARKUP_START = re.compile(r"[<&*_`~|#>]").search


def clean(text: object, limit: int = MAX_QUESTION_CHARS) -> str:
    """Make any input safe to match and to echo: str, NFC, no control characters, capped."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # e.g. an integer too long to print (10**5000), an object whose str fails
            text = ""
    if len(text) <= limit and text.isprintable():
        # no control, invisible or surrogate character (none is printable), and no whitespace but
        # the space (every other one is unprintable): only NFC and runs of spaces to see to
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            text = " ".join(text.split())
        elif len(text) <= limit:
            return text  # the common case: nothing to change
    else:
        if len(text) > limit * 4:  # cap before the costly steps
            text = text[: limit * 4]
        text = unicodedata.normalize("NFC", text.translate(_CONTROL_TABLE))
        # lone surrogates (from broken input) cannot be encoded: replace them
        text = text.encode("utf-8", errors="replace").decode("utf-8")
        text = " ".join(text.split())
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Kockázatkezelés' -> 'kockazatkezeles'."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in text if not unicodedata.combining(c))


def strip_markup(text: str) -> str:
    """``text`` with HTML/Markdown markup (tags, entities, emphasis and quote marks) blanked out."""
    if _MARKUP_START(text) is None:
        return text  # the common case: looking for one character is far cheaper than the sub
    return _MARKUP.sub(" ", text)


def tokens(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    if text.isascii():
        return _WORD.findall(text.lower())  # what fold gives for ASCII
    # folded word by word (memoised per word, not per text): a space is a starter that nothing
    # decomposes or reorders across, so the pieces join to the fold of the whole
    return _WORD.findall(" ".join(map(fold, text.split(" "))))


# Longest first. Hungarian case endings, possessives and plurals; English plural and -ing/-ed.
_SUFFIXES = sorted(
    {
        # Hungarian
        "aiban", "eiben", "ainak", "einek", "jainak", "jeinek", "jaiban", "jeiben",
        "jaihoz", "jeihez", "aihoz", "eihez", "jahoz", "jehez",
        "jaival", "jeivel", "aival", "eivel",
        "jait", "jeit", "ait", "eit", "jai", "jei", "ai", "ei",
        "hoz", "hez", "hoz", "ban", "ben", "nak", "nek", "val", "vel", "bol", "rol", "tol",
        "ba", "be", "ra", "re", "ig", "ert", "kent", "nal", "nel",
        "juk", "jukat", "unk", "ink", "otok", "etek",
        "nia", "nie", "ja", "je", "jat", "jet",
        "ok", "ek", "ak", "ok", "ot", "et", "at", "ja",
        "ei", "a", "e", "t",
        # Hungarian verbs: infinitive, persons, past, "can"
        "ni", "unk", "tok", "tek", "juk", "jatok", "itek", "ik", "ott", "ett", "hat", "het",
        "hatok", "hetek", "hatsz", "hetsz", "hatunk", "hetunk", "nod", "ned",
        "nom", "nem", "nunk", "notok", "netek", "niuk",
        # English
        "ies", "ing", "ed", "es", "s",
    },
    key=len,
    reverse=True,
)
_MIN_STEM = 4


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A light, language-agnostic suffix stripper (applied identically to query and index)."""
    if word.isdigit() or len(word) <= _MIN_STEM:
        return word
    # Hungarian -val/-vel after a consonant doubles it: "ismeretekkel" -> "ismeretek"
    if len(word) >= 7 and word[-2:] in ("al", "el") and word[-3] == word[-4] and word[-3] not in "aeiou":
        word = word[:-3]
    for _ in range(2):  # at most two layers: "kompetenciaihoz" -> "kompetenci"
        for suf in _SUFFIXES:
            if word.endswith(suf) and len(word) - len(suf) >= _MIN_STEM:
                if suf == "s" and word.endswith("ss"):
                    continue
                word = word[: -len(suf)]
                break
        else:
            break
    return word


HU_LETTERS = set("áéíóöőúüű")
HU_ONLY_LETTERS = set("őű")
