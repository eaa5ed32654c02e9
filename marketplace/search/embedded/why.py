"""Why a result is there: for each hit of a page, what each query word matched in it and how
(query.Match, query.MATCH_KINDS), read from the same indexed text the ranking reads."""

from rapidfuzz.distance import OSA

from ..query import MATCH_KINDS, Match, SearchHit
from ..text import _compound_terms
from .rank import CATEGORY, TEXT_OF, Matcher

_ORDER = {kind: n for n, kind in enumerate(MATCH_KINDS)}


def _how(kind: str, typos: int, column: int) -> str:
    if column == CATEGORY:
        return "typo" if typos else "category"
    if column in (1, 3) and kind in ("exact", "prefix", "compound"):
        return "compound"
    if kind == "compound":  # the parts written as words of their own
        return "split"
    return kind


def _category_word(matcher: Matcher, token: str, word: str) -> str:
    entries = matcher.lexicon.entries.get(int(token[2:]), ()) if token[2:].isdigit() else ()
    candidates = [w for entry in entries for w in entry.split()]
    return min(candidates, key=lambda w: (OSA.distance(word, w), w), default=word)


def matches(matcher: Matcher, columns: tuple[str, ...]) -> list[Match]:
    """One Match per query word found in a document's indexed columns, the best way first."""
    best: dict[int, tuple] = {}
    tokens = [text.split() if text else [] for text in columns]
    for c, column in enumerate(tokens):
        for term in matcher.terms.intersection(column):
            for i, typos, _, kind in matcher.info[term]:
                how = _how(kind, typos, c)
                found = term
                if c == CATEGORY:  # the category's word the query word stands for
                    found = matcher.words[i]
                    found = _category_word(matcher, term, found) if typos else found
                if how == "compound" and TEXT_OF[c] is not None:
                    found = next(
                        (w for w in tokens[TEXT_OF[c]] if term in _compound_terms(w)), term
                    )
                rank = (_ORDER[how], typos)
                if i not in best or rank < best[i][0]:
                    best[i] = (rank, Match(matcher.words[i], found, how))
    return [best[i][1] for i in sorted(best)]


def explain(conn, matcher: Matcher, hits: list[SearchHit], keys: list[int]) -> None:
    """Fill each hit's `matches` (hits and keys in the same order)."""
    if not keys:
        return
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT key, title, title_x, descr, descr_x, cat FROM ftsdata "
            f"WHERE key IN ({', '.join('?' * len(keys))})",
            keys,
        )
    }
    for hit, key in zip(hits, keys, strict=True):
        hit.matches = matches(matcher, rows[key])
