"""Text rules shared by both search backends: normalisation (like Meilisearch's Latin pipeline)
and Finnish/Swedish compound splitting from the catalogue's vocabulary."""

import re
import unicodedata
from functools import lru_cache

from ..catalog_loader import compound_parts

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_REST = 3  # a split must leave at least this many letters on the other side


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def _fold_run(run: str) -> str:
    decomposed = unicodedata.normalize("NFKD", run)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("æ", "ae").replace("œ", "oe").replace("ß", "ss")


def fold(text: str) -> str:
    """NFKD, lower case, combining marks dropped, æ→ae, œ→oe: 'Väliovi' → 'valiovi'."""
    # Only non-ASCII characters change, and NFKD decomposes each on its own (the marks it
    # reorders are all dropped), so runs of them are folded separately and cached: much faster
    # on Finnish and Swedish text than normalising whole strings.
    lowered = text.lower()
    return lowered if lowered.isascii() else _NON_ASCII.sub(lambda m: _fold_run(m.group()), lowered)


def words(text: str) -> list[str]:
    """Folded words in order (hyphens and punctuation separate words)."""
    return _WORD.findall(fold(text))


# Meilisearch's tokenizer (charabia, separators.rs CONTEXT_SEPARATORS) calls these separators
# *hard*: a phrase never spans one and words on either side are 8 positions apart. Latin and
# general punctuation only (our listings are fi/sv/en); ". " and ", " need the space, so
# "12,5" and "MRT.75" stay soft. Parentheses, brackets and "|" are soft there, not hard.
HARD = "§h"  # the token standing for a hard separator in the indexed text
_HARD_SEPARATORS = re.compile(r"[!;?¡¿§¶´\u037e…‥․‼‽⁇⁈⁉⁏⁖⁚⸘⸮、。！，．：；？｡､]|[.,] ")
_WORD_OR_HARD = re.compile(r"\w+|\x00")


def positioned_words(text: str) -> list[str]:
    """words(), with HARD between two words that a hard separator parts:
    'Punatiili, poltettu. 12,5 mm' → ['punatiili', '§h', 'poltettu', '§h', '12', '5', 'mm']."""
    found = _WORD_OR_HARD.findall(fold(_HARD_SEPARATORS.sub("\x00", text)))
    out: list[str] = []
    for token in found:
        if token != "\x00":
            out.append(token)
        elif out and out[-1] != HARD:
            out.append(HARD)
    if out and out[-1] == HARD:
        out.pop()
    return out


@lru_cache(maxsize=1)
def _parts() -> tuple[str, ...]:
    vocabulary = {fold(p) for parts in compound_parts().values() for p in parts}
    return tuple(sorted(vocabulary, key=len, reverse=True))


def compound_terms(word: str) -> list[str]:
    """Catalogue parts that end a longer folded word: 'kattotiili' → ['tiili'],
    'mineraalivilla' → ['villa'], 'valiovi' → ['ovi']. End matches only, so 'sovittaa' is
    not an 'ovi'; the rest of the word must keep MIN_REST letters."""
    return list(_compound_terms(word))


@lru_cache(maxsize=200_000)
def _compound_terms(word: str) -> tuple[str, ...]:
    # Cached: indexing calls this for every word of every listing, and words repeat a lot.
    for part in _parts():
        if len(word) >= len(part) + MIN_REST and word.endswith(part):
            head = word[: -len(part)]
            if head in _parts():  # "kipsilevy" → levy + kipsi
                return (part, head)
            return (part, *(p for p in _compound_terms(head) if p != part))
    return ()


def derived_terms(text: str) -> list[str]:
    """All compound parts found in a text, once each, in order of appearance."""
    return compound_parts_of(words(text))


def compound_parts_of(folded_words: list[str]) -> list[str]:
    """derived_terms() of a text already split by words()."""
    seen: dict[str, None] = {}
    for word in folded_words:
        for term in _compound_terms(word):
            seen.setdefault(term, None)
    return list(seen)
