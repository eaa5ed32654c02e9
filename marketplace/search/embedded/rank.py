"""Relevance inside one "words" bucket, from the candidates' indexed text: Meilisearch's typo,
proximity, attribute and exactness criteria, then newest first. The words criterion itself
(how many leading query words match) is decided in SQL, bucket by bucket (embedded.py).

Attribute ranks: title 0, category names/synonyms 1, description 2 (a compound part counts in
the attribute it came from). Exactness: the query word itself, or exactly one of the category's
names, not a typo, prefix extension, synonym or compound part. Proximity per consecutive pair of
query words, as Meilisearch: 1 when adjacent in order, the gap (+1 when reversed) up to 7, and 8
when farther apart or in different attributes.
"""
from .terms import Lexicon, QueryWord

# Columns as read from ftsdata: title, title_x, descr, descr_x, cat.
ATTRIBUTE = (0, 0, 2, 2, 1)
EXACT_COUNTS = (True, False, True, False, True)     # compound parts are never exact
WITH_POSITIONS = (0, 2)
CATEGORY = 4
FAR = 8


class Matcher:
    """Which query words (at what typo cost, exactly or not) each indexed term stands for."""

    def __init__(self, query_words: list[QueryWord], lexicon: Lexicon):
        info: dict[str, dict[int, tuple[int, bool]]] = {}
        for i, qw in enumerate(query_words):
            for d in qw.derivations:
                if len(d.term) > 1:
                    # A multi-word synonym ("clay brick") finds documents in FTS5; for ranking,
                    # its words nearly always come with a one-word synonym ("brick") anyway.
                    continue
                terms = lexicon.vocabulary.with_prefix(d.term[0]) if d.prefix else [d.term[0]]
                for term in terms:
                    per_word = info.setdefault(term, {})
                    exact = d.exact and term == d.term[0]
                    old = per_word.get(i)
                    if old is None or (d.typos, not exact) < (old[0], not old[1]):
                        per_word[i] = (d.typos, exact)
        self.info = {term: tuple((i, t, e) for i, (t, e) in per_word.items()) for term, per_word in info.items()}
        self.terms = frozenset(self.info)
        self._cache: dict[str, tuple] = {}

    def _summary(self, c: int, hits) -> tuple[tuple[int, int, bool], ...]:
        """(word, fewest typos, exact?) for each query word a column's hits stand for."""
        best: dict[int, list] = {}
        counts_exact = EXACT_COUNTS[c]
        for term in hits:
            for i, cost, exact in self.info[term]:
                exact = exact and counts_exact
                found = best.get(i)
                if found is None:
                    best[i] = [cost, exact]
                else:
                    if cost < found[0]:
                        found[0] = cost
                    found[1] = found[1] or exact
        return tuple((i, cost, exact) for i, (cost, exact) in best.items())

    def key(self, columns: tuple[str, ...], k: int, doc_key: int) -> tuple:
        """Sort key of a document that matches the first k query words."""
        typos, attribute, exact, seen = [0] * k, [2] * k, [False] * k, [False] * k
        hits_by_column: list = [()] * len(columns)
        for c, text in enumerate(columns):
            if not text:
                continue
            summary = self._cache.get(text) if c == CATEGORY else None
            if summary is None:
                hits = self.terms.intersection(text.split())
                hits_by_column[c] = hits
                summary = self._summary(c, hits) if hits else ()
                if c == CATEGORY:
                    self._cache[text] = summary
            rank_here = ATTRIBUTE[c]
            for i, cost, is_exact in summary:
                if i < k:
                    if not seen[i] or cost < typos[i]:
                        typos[i] = cost
                    seen[i] = True
                    if rank_here < attribute[i]:
                        attribute[i] = rank_here
                    if is_exact:
                        exact[i] = True
            if k == 1 and c == 0 and exact[0] and typos[0] == 0 and attribute[0] == 0:
                break          # the best a one-word match can get; other columns change nothing
        proximity = self._proximity(columns, hits_by_column, k) if k > 1 else 0
        return (sum(typos), proximity, sum(attribute), -sum(exact), -doc_key)

    def _proximity(self, columns, hits_by_column, k: int) -> int:
        best = [FAR] * (k - 1)
        for c in WITH_POSITIONS:
            hits = hits_by_column[c]
            words_here = {i for term in hits for i, _, _ in self.info[term] if i < k}
            if not any(i in words_here and i + 1 in words_here for i in range(k - 1)):
                continue
            positions: dict[int, list[int]] = {}
            for position, token in enumerate(columns[c].split()):
                if token in hits:
                    for i, _, _ in self.info[token]:
                        positions.setdefault(i, []).append(position)
            for i in range(k - 1):
                for p in positions.get(i, ()):
                    for q in positions.get(i + 1, ()):
                        best[i] = min(best[i], q - p if q > p else p - q + 1)
        return sum(min(b, FAR) for b in best)


def rank(matcher: Matcher, rows: list[tuple], k: int) -> list[int]:
    """Keys of the window's documents in relevance order; rows are (key, *columns)."""
    return [row[0] for row in sorted(rows, key=lambda row: matcher.key(row[1:], k, row[0]))]
