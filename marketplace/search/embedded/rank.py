"""Relevance inside one "words" bucket, from the candidates' indexed text: Meilisearch's typo,
proximity, attributeRank, wordPosition and exactness rules (its default order since v1.36;
`sort` sits between attributeRank and wordPosition and is empty for relevance), then newest
first. The words rule itself (which query words a document matches) is decided in SQL, bucket
by bucket (backend.py); `kept` is the bucket's set of query word indices.

- typo: the sum over the kept words of the fewest typos of what matched (a split costs 1, a
  concatenation 1 per word joined);
- proximity: per consecutive pair of kept words, 1 when adjacent in order, the gap (+1 when
  reversed) up to 3, and 4 ("not close": milli's proximity.rs MAX_DISTANCE) when farther apart,
  in different attributes, or across a hard separator (the indexed text holds text.HARD
  there, worth 7 more positions, as tokenize_document.rs adds 8);
- attributeRank: title 0, category names/synonyms 1, description 2 (a compound part counts in
  the attribute it came from);
- wordPosition: per kept word, Meilisearch's cost of the distance between its position in the
  query and its earliest position in an attribute (0, 1, 2 for 2-4, 3 for 5-7, … 10);
- exactness: first an attribute that *is* the query (its words, in order, nothing else), then
  one that starts with it, then the number of words matched exactly (not a typo, prefix
  extension, synonym or compound part). Both levels need the kept words to be the query's
  first words (no hole), as Meilisearch's exact_attribute.rs.
"""

from itertools import pairwise

from ..text import HARD, _compound_terms
from .terms import Lexicon, QueryWord

# Columns as read from ftsdata: title, title_x, descr, descr_x, cat.
ATTRIBUTE = (0, 0, 2, 2, 1)
EXACT_COUNTS = (True, False, True, False, True)  # compound parts are never exact
TEXT_OF = (0, 0, 2, 2, None)  # the column whose positions a match takes
CATEGORY = 4
FAR = 4  # milli's crate::proximity::MAX_DISTANCE
HARD_GAP = 7
_POSITION_COSTS = (
    (0, 0),
    (1, 1),
    (4, 2),
    (7, 3),
    (11, 4),
    (16, 5),
    (24, 6),
    (64, 7),
    (256, 8),
    (1024, 9),
)


def position_cost(distance: int) -> int:
    """Meilisearch's wordPosition cost of a distance (ranking_rule_graph/position/mod.rs)."""
    for upto, cost in _POSITION_COSTS:
        if distance <= upto:
            return cost
    return 10


def positions(tokens: list[str], wanted) -> dict[str, list[int]]:
    """The positions of the wanted tokens of an indexed column (a hard separator adds 7)."""
    found: dict[str, list[int]] = {}
    position = -1
    for token in tokens:
        if token == HARD:
            position += HARD_GAP
            continue
        position += 1
        if token in wanted:
            found.setdefault(token, []).append(position)
    return found


class Matcher:
    """Which query words (at what typo cost, exactly or not, how) each indexed term stands for."""

    def __init__(self, query_words: list[QueryWord], lexicon: Lexicon):
        info: dict[str, dict[int, tuple[int, bool, str]]] = {}
        self.words, self.lexicon = [qw.text for qw in query_words], lexicon
        for i, qw in enumerate(query_words):
            for d in qw.derivations:
                if len(d.term) > 1 and d.kind not in ("split", "compound"):
                    # A multi-word synonym ("clay brick") finds documents in FTS5; for ranking,
                    # its words nearly always come with a one-word synonym ("brick") anyway.
                    continue
                if d.prefix:
                    terms = lexicon.vocabulary.with_prefix(d.term[0])
                else:
                    terms = d.term
                for term in terms:
                    per_word = info.setdefault(term, {})
                    exact = d.exact and term == d.term[0] and len(d.term) == 1
                    old = per_word.get(i)
                    if old is None or (d.typos, not exact) < (old[0], not old[1]):
                        per_word[i] = (d.typos, exact, d.kind)
        self.info = {
            term: tuple((i, t, e, k) for i, (t, e, k) in per_word.items())
            for term, per_word in info.items()
        }
        self.terms = frozenset(self.info)

    def key(self, columns: tuple[str, ...], kept: frozenset[int], doc_key: int) -> tuple:
        """Sort key of a document that matches the query words in `kept`."""
        typos, attribute = dict.fromkeys(kept, 0), dict.fromkeys(kept, 2)
        where = dict.fromkeys(kept, 10)
        exact, seen = set(), set()
        tokens = _Tokens(columns)
        hits_by_column = [()] * len(columns)
        for c, text in enumerate(columns):
            hits = self.terms.intersection(tokens[c]) if text else ()
            hits_by_column[c] = hits
            for term in hits:
                position = self._position(term, c, tokens)
                for i, cost, is_exact, _ in self.info[term]:
                    if i not in kept:
                        continue
                    if i not in seen or cost < typos[i]:
                        typos[i] = cost
                    seen.add(i)
                    attribute[i] = min(attribute[i], ATTRIBUTE[c])
                    where[i] = min(where[i], position_cost(abs(position - i)))
                    if is_exact and EXACT_COUNTS[c]:
                        exact.add(i)
            if (
                c == 1
                and len(kept) == 1
                and exact
                and not any(typos.values())
                and not any(attribute.values())
                and not any(where.values())
            ):
                break  # a lone word got the best it can from the title: nothing changes it
        proximity = self._proximity(tokens, hits_by_column, sorted(kept)) if len(kept) > 1 else 0
        level = self._exact_level(columns, kept)
        return (
            sum(typos.values()),
            proximity,
            sum(attribute.values()),
            sum(where.values()),
            level,
            -len(exact),
            -doc_key,
        )

    @staticmethod
    def _first(tokens: list[str], term: str) -> int:
        """A token's first position in a column (each hard separator worth HARD_GAP more)."""
        index = tokens.index(term)
        hard = tokens[:index].count(HARD) if HARD in tokens else 0
        return index + (HARD_GAP - 1) * hard

    def _position(self, term: str, c: int, tokens) -> int:
        if c in (0, 2):
            return self._first(tokens[c], term)
        if c == CATEGORY:
            return 0
        text = tokens[TEXT_OF[c]]  # a compound part: where its word is
        for word in text:
            if term in _compound_terms(word):
                return self._first(text, word)
        return 0

    def _exact_level(self, columns, kept: frozenset[int]) -> int:
        """0: an attribute is the query; 1: one starts with it; 2: neither."""
        if kept != frozenset(range(len(kept))):
            return 2
        query = " ".join(self.words[i] for i in range(len(kept)))
        level = 2
        for c in (0, 2):
            if columns[c] == query:
                return 0
            if columns[c].startswith(query + " "):
                level = 1
        return level

    def _proximity(self, tokens, hits_by_column, kept: list[int]) -> int:
        best = [FAR] * (len(kept) - 1)
        for c in (0, 2):
            hits = hits_by_column[c]
            words_here = {i for term in hits for i, _, _, _ in self.info[term]}
            if not any(i in words_here and j in words_here for i, j in pairwise(kept)):
                continue
            at: dict[int, list[int]] = {}
            for term, places in positions(tokens[c], hits).items():
                for i, _, _, _ in self.info[term]:
                    at.setdefault(i, []).extend(places)
            for n, (i, j) in enumerate(pairwise(kept)):
                for p in at.get(i, ()):
                    for q in at.get(j, ()):
                        best[n] = min(best[n], q - p if q > p else p - q + 1)
        return sum(min(b, FAR) for b in best)


class _Tokens(list):
    """The columns' tokens, split on first use."""

    def __init__(self, columns):
        super().__init__([None] * len(columns))
        self.columns = columns

    def __getitem__(self, c):
        found = list.__getitem__(self, c)
        if found is None:
            text = self.columns[c]
            found = text.split() if text else []
            self[c] = found
        return found


def rank(matcher: Matcher, rows: list[tuple], kept: frozenset[int]) -> list[int]:
    """Keys of the window's documents in relevance order; rows are (key, *columns)."""
    return [row[0] for row in sorted(rows, key=lambda row: matcher.key(row[1:], kept, row[0]))]
