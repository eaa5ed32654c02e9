"""Why a Meilisearch hit is there, in the shared model (query.Match): which query word matched
what, and how. Read from `_matchesPosition` (byte offsets of every matched word in every
attribute, arrays with `indices`) and `_rankingScoreDetails` (the typo rule's typoCount),
which the request asks for (query.request)."""

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

from ..query import MATCH_KINDS, Match
from ..text import compound_terms, fold, words
from .settings import synonyms

_ORDER = {kind: n for n, kind in enumerate(MATCH_KINDS)}
_REST_OF_WORD = re.compile(r"\w*")
_EXCLUSION = re.compile(r'(?:^|\s)-(?:"[^"]*"|\S+)')


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    return {fold(term): frozenset(fold(o) for o in others) for term, others in synonyms().items()}


def query_words(text: str) -> tuple[list[str], bool]:
    """The folded words a query matches with (not its -exclusions); is the last a prefix?"""
    kept = _EXCLUSION.sub(" ", text)
    return words(kept)[:10], bool(kept) and kept[-1].isalnum()


def _value(hit: dict, attribute: str, position: dict) -> str:
    value = hit.get(attribute)
    if isinstance(value, list):
        indices = position.get("indices") or [0]
        value = value[indices[0]] if indices[0] < len(value) else ""
    return value if isinstance(value, str) else ""


def found_words(hit: dict) -> list[tuple[str, str]]:
    """(attribute, whole folded word) for every match position of a hit."""
    out = []
    for attribute, positions in (hit.get("_matchesPosition") or {}).items():
        for position in positions:
            raw = _value(hit, attribute, position).encode()
            start = len(raw[: int(position.get("start", 0))].decode(errors="ignore"))
            text = raw.decode(errors="ignore")
            if start >= len(text):
                continue
            word = text[start] + _REST_OF_WORD.match(text, start + 1).group()
            if word.strip():
                out.append((attribute, fold(word)))
    return out


def _classify(attribute: str, found: str, query: list[str], prefix: bool) -> list[tuple[int, str]]:
    """(query word index, how) pairs a found word stands for."""
    last = len(query) - 1
    for i, w in enumerate(query):
        if found == w or (prefix and i == last and found.startswith(w)):
            if attribute == "compound_terms":
                return [(i, "compound")]
            if attribute.startswith("category_"):
                return [(i, "category")]
            return [(i, "exact" if found == w else "prefix")]
    for i in range(len(query) - 1):
        for n in (2, 3):
            if found == "".join(query[i : i + n]):
                return [(j, "concat") for j in range(i, min(i + n, len(query)))]
    for i, w in enumerate(query):
        if found in _synonyms().get(w, ()):
            return [(i, "synonym")]
        if w.startswith(found) or w.endswith(found):
            return [(i, "split")]
    nearest = min(range(len(query)), key=lambda i: OSA.distance(found, query[i]), default=None)
    return [] if nearest is None else [(nearest, "typo")]


def matches(hit: dict, text: str) -> list[Match]:
    """One Match per query word that matched the hit, the best way first."""
    query, prefix = query_words(text)
    if not query:
        return []
    typo_count = ((hit.get("_rankingScoreDetails") or {}).get("typo") or {}).get("typoCount")
    body = [
        w
        for a, v in hit.items()
        if a.startswith(("title_", "description_")) and isinstance(v, str)
        for w in words(v)
    ]
    best: dict[int, tuple] = {}
    for attribute, found in found_words(hit):
        for i, how in _classify(attribute, found, query, prefix):
            if how == "typo" and typo_count == 0:  # the engine counted no typo: a synonym
                how = "synonym"
            shown = found
            if how == "compound":
                shown = next((w for w in body if found in compound_terms(w)), found)
            rank = _ORDER[how]
            if i not in best or rank < best[i][0]:
                best[i] = (rank, Match(query[i], shown, how))
    return [best[i][1] for i in sorted(best)]
