"""Query words for the embedded engine and what each may match (its derivations), as
Meilisearch defines them: the word itself, a prefix for the last word, typo variants from the
index vocabulary (optimal string alignment: a swap of two adjacent letters is one typo, but no
letter is edited twice, as Meilisearch's Levenshtein automaton; budget by length, a different
first letter costs one more, capped at 150 one-typo and 50 two-typo variants), the word split in
two where the halves stand side by side in some listing (one typo), and adjacent query words
written together (concatenation, Meilisearch's 2- and 3-word ngrams: one typo per word joined);
plus things of our own:

- the category of a document is searchable by its names and synonyms in fi, sv and en: a word
  matching one of them (exactly, as a prefix or with typos) matches the category's token;
- a word that *is* a one-word name or synonym of a category also looks for the category's other
  names and synonyms in titles and descriptions (so `brick` finds a "Tiiliä" title elsewhere);
- a Finnish/Swedish compound made only of catalogue parts (`kattotiili` = katto + tiili) also
  matches a listing whose compound parts hold all of them (`Savikattotiili`), so `kattotiili`,
  `katto tiili` and `katto-tiili` find the same lots.

FTS5 expressions are built here too: every term is quoted, so a query word can never act as an
FTS5 operator. And titles are highlighted here.
"""

import bisect
import html
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..text import _compound_terms, fold
from .parsing import MAX_WORDS, ParsedQuery, parse_query  # noqa: F401 - re-exported
from .schema import category_token

ONE_TYPO_CAP, TWO_TYPO_CAP = 150, 50  # derivations per word, as Meilisearch's limits.rs
_TITLE_WORD = re.compile(r"\w+")


def typo_budget(word: str) -> int:
    """Typos allowed for a folded word: 0 up to 4 chars, 1 up to 8, 2 from 9."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


@dataclass(frozen=True)
class Derivation:
    """One thing a query word may match: a term or phrase, maybe as a prefix."""

    term: tuple[str, ...]
    prefix: bool = False
    typos: int = 0
    kind: str = "exact"  # one of query.MATCH_KINDS
    exact: bool = False  # counts for the exactness criterion
    span: tuple[int, int] | None = None  # concat: the query words (first, last) it joins
    columns: str = ""  # FTS5 columns it is limited to ("" = all)
    all_of: bool = False  # compound: every term somewhere in `columns`

    def fts(self) -> str:
        if self.all_of:
            inner = " AND ".join('"' + t.replace('"', '""') + '"' for t in self.term)
            return f"{{{self.columns}}} : ({inner})"
        quoted = '"' + " ".join(self.term).replace('"', '""') + '"'
        quoted = quoted + "*" if self.prefix else quoted
        return f"{{{self.columns}}} : {quoted}" if self.columns else quoted


@dataclass
class QueryWord:
    """A word of the query with its derivations."""

    text: str
    is_prefix: bool
    derivations: list[Derivation] = field(default_factory=list)


def any_of(derivations: list[Derivation]) -> str:
    """FTS5: any of the derivations, e.g. ("tiili"* OR "tegel"), leaving out what a prefix
    derivation already covers (every term is another doclist for FTS5 to merge)."""
    prefixes = tuple(
        sorted({d.term[0] for d in derivations if d.prefix and len(d.term) == 1}, key=len)
    )

    singles = {d.term[0] for d in derivations if len(d.term) == 1 and not d.prefix}

    def covered(d: Derivation) -> bool:
        if len(d.term) > 1:  # a phrase: covered when one of its words is matched anyway
            return any(w in singles or w.startswith(prefixes) for w in d.term)
        if not d.term[0].startswith(prefixes):
            return False
        return not (d.prefix and d.term[0] == next(p for p in prefixes if d.term[0].startswith(p)))

    tokens = list(dict.fromkeys(d.fts() for d in derivations if not covered(d)))
    return tokens[0] if len(tokens) == 1 else "(" + " OR ".join(tokens) + ")"


class TermIndex:
    """A growing set of terms, bucketed for cheap typo and prefix look-ups."""

    def __init__(self):
        self.terms: set[str] = set()
        self.sorted: list[str] = []
        self.by_first_len: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.by_len: dict[int, list[str]] = defaultdict(list)
        self.prefixes: dict[int, tuple[dict, list, set]] = {}  # length → (by first char, all, seen)

    def add(self, new: list[str]) -> None:
        new = [t for t in dict.fromkeys(new) if t and t not in self.terms]
        if len(new) > 100:
            self.sorted = sorted(self.sorted + new)
        else:
            for term in new:
                bisect.insort(self.sorted, term)
        for term in new:
            self.terms.add(term)
            self.by_first_len[(term[0], len(term))].append(term)
            self.by_len[len(term)].append(term)
            for length, (by_first, every, seen) in self.prefixes.items():
                head = term[:length]
                if len(term) >= length and head not in seen:
                    seen.add(head)
                    every.append(head)
                    by_first[head[0]].append(head)

    def with_prefix(self, prefix: str) -> list[str]:
        """Every term starting with `prefix`."""
        start = bisect.bisect_left(self.sorted, prefix)
        return self.sorted[start : bisect.bisect_left(self.sorted, prefix + "\U0010ffff", start)]

    def _prefixes_of_length(self, length: int):
        if length not in self.prefixes:
            seen = {t[:length] for t in self.terms if len(t) >= length}
            by_first: dict[str, list[str]] = defaultdict(list)
            for head in seen:
                by_first[head[0]].append(head)
            self.prefixes[length] = (by_first, list(seen), seen)
        return self.prefixes[length]

    def near(self, word: str, budget: int, *, prefix: bool) -> dict[str, int]:
        """Terms (for a prefix word: term prefixes) within `budget` typos of `word`, as
        {candidate: typos}; a different first letter costs one typo more."""
        found: dict[str, int] = {}
        for length in range(max(1, len(word) - budget), len(word) + budget + 1):
            if prefix:
                by_first, every, _ = self._prefixes_of_length(length)
                same, anyone = by_first.get(word[0], ()), every
            else:
                same, anyone = (
                    self.by_first_len.get((word[0], length), ()),
                    self.by_len.get(length, ()),
                )
            for term, distance, _ in process.extract(
                word, same, scorer=OSA.distance, score_cutoff=budget, limit=None
            ):
                if distance:
                    found[term] = distance
            if budget >= 2:
                for term, distance, _ in process.extract(
                    word, anyone, scorer=OSA.distance, score_cutoff=budget - 1, limit=None
                ):
                    if term[0] != word[0]:
                        found[term] = distance + 1
        if prefix:  # prefixes the plain prefix search covers already
            found = {t: n for t, n in found.items() if not t.startswith(word)}
        return found


class Lexicon:
    """What the index can match, kept per process and topped up from the append-only tables
    `vocab` (terms of titles and descriptions) and `category_terms`."""

    def __init__(self):
        self.lock = threading.Lock()
        self._reset(None)

    def _reset(self, generation):
        self.generation, self.last_term, self.last_entry = generation, 0, 0
        self.vocabulary = TermIndex()
        self.category_words = TermIndex()  # words of category entries
        self.categories_of_word: dict[str, set[int]] = defaultdict(set)
        self.entries: dict[int, set[str]] = defaultdict(set)  # category code → entries

    def refresh(self, conn, generation) -> None:
        """Read what was added since the last call (everything after a rebuild)."""
        if generation != self.generation:
            self._reset(generation)
        rows = conn.execute(
            "SELECT id, term FROM vocab WHERE id > ? ORDER BY id", (self.last_term,)
        ).fetchall()
        if rows:
            self.vocabulary.add([t for _, t in rows])
            self.last_term = rows[-1][0]
        rows = conn.execute(
            "SELECT id, code, entry FROM category_terms WHERE id > ? ORDER BY id",
            (self.last_entry,),
        ).fetchall()
        if rows:
            for _, code, entry in rows:
                self.entries[code].add(entry)
                for word in entry.split():
                    self.categories_of_word[word].add(code)
            self.category_words.add([w for _, _, entry in rows for w in entry.split()])
            self.last_entry = rows[-1][0]

    def derive(self, word: str, is_prefix: bool, budget: int | None = None) -> QueryWord:
        """A query word with every derivation it may match (`budget`: typos, if not by length)."""
        qw = QueryWord(word, is_prefix, [Derivation((word,), exact=True)])
        if is_prefix:
            qw.derivations.append(Derivation((word,), prefix=True, kind="prefix"))
        budget = typo_budget(word) if budget is None else budget
        if budget:
            ranked = sorted(
                self.vocabulary.near(word, budget, prefix=is_prefix).items(),
                key=lambda i: (i[1], i[0]),
            )
            for typos, cap in ((1, ONE_TYPO_CAP), (2, TWO_TYPO_CAP)):
                qw.derivations += [
                    Derivation((t,), prefix=is_prefix, typos=typos, kind="typo")
                    for t in [t for t, n in ranked if n == typos][:cap]
                ]
        synonyms = {
            code for code in self.categories_of_word.get(word, ()) if word in self.entries[code]
        }
        for entry in sorted({e for code in synonyms for e in self.entries[code]} - {word}):
            qw.derivations.append(Derivation(tuple(entry.split()), kind="synonym"))
        qw.derivations += self._category_matches(word, is_prefix, budget)
        return qw

    def exactly(self, terms: tuple[str, ...]) -> str:
        """FTS5 for a phrase (or a single word) taken exactly, as Meilisearch takes a "phrase"
        and a -exclusion: the words next to each other in a title or description, or in one of a
        category's names or synonyms (then the category's token). No typos, prefixes or synonyms."""
        wanted = f" {' '.join(terms)} "
        codes = sorted(
            code
            for code in self.categories_of_word.get(terms[0], ())
            if any(wanted in f" {entry} " for entry in self.entries[code])
        )
        return any_of([Derivation(terms)] + [Derivation((category_token(code),)) for code in codes])

    def _category_matches(self, word: str, is_prefix: bool, budget: int) -> list[Derivation]:
        """The category tokens a word matches through the categories' names and synonyms."""
        best: dict[int, tuple[int, bool]] = {}  # code → (typos, exact)

        def offer(codes, typos, exact):
            for code in codes:
                if code not in best or (typos, not exact) < (best[code][0], not best[code][1]):
                    best[code] = (typos, exact)

        offer(self.categories_of_word.get(word, ()), 0, True)
        if is_prefix:
            for term in self.category_words.with_prefix(word):
                offer(self.categories_of_word[term], 0, False)
        if budget:
            for candidate, typos in self.category_words.near(
                word, budget, prefix=is_prefix
            ).items():
                terms = self.category_words.with_prefix(candidate) if is_prefix else [candidate]
                for term in terms:
                    offer(self.categories_of_word[term], typos, False)
        return [
            Derivation((category_token(code),), typos=typos, kind="category", exact=exact)
            for code, (typos, exact) in sorted(best.items())
        ]


class Highlighter:
    """Marks, in an HTML-escaped title, every word a query word matched (a compound
    containing a matched part too: 'Kattotiili' for 'tiili')."""

    def __init__(self, query_words: list[QueryWord]):
        self.exact: set[str] = set()
        prefixes = []
        for qw in query_words:
            for d in qw.derivations:
                if len(d.term) == 1 and d.kind != "category":
                    (prefixes.append(d.term[0]) if d.prefix else self.exact.add(d.term[0]))
                elif d.kind in ("split", "compound"):
                    self.exact.update(d.term)
        self.prefixes = tuple(prefixes)

    def _matches(self, token: str) -> bool:
        return (
            token in self.exact
            or bool(self.prefixes)
            and token.startswith(self.prefixes)
            or any(part in self.exact for part in _compound_terms(token))
        )

    def __call__(self, title: str) -> str:
        out, last = [], 0
        title = unicodedata.normalize("NFC", title)
        for match in _TITLE_WORD.finditer(title):
            if self._matches(fold(match.group(0))):
                out.append(html.escape(title[last : match.start()]))
                out.append("<mark>" + html.escape(match.group(0)) + "</mark>")
                last = match.end()
        out.append(html.escape(title[last:]))
        return "".join(out)
