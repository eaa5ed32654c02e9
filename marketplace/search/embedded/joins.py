"""Derivations that join or part query words, as Meilisearch's query graph does
(crates/milli/src/search/new/query_graph.rs, query_term/compute_derivations.rs):

- split: a query word also matches its two halves side by side in a title or description,
  split where the pair is most frequent (`kattotiili` → "katto tiili"); one typo;
- concatenation: 2 and 3 adjacent query words also match written together (`katto tiili` →
  `kattotiili`), with the typo budget of the joined word less one per extra word, costing one
  typo per word joined; never across a hard separator or with a phrase's words;

and one of our own, the query side of Finnish/Swedish compounds: a word made only of catalogue
parts (`kattotiili` = katto + tiili) also matches a listing whose compound parts hold all of
them (`Savikattotiili`). Phrase words match only exactly.
"""

from dataclasses import replace

from ..text import _compound_terms
from .terms import Derivation, Lexicon, ParsedQuery, QueryWord, typo_budget

TEXT_COLUMNS = "title descr"
PART_COLUMNS = "title_x descr_x"
SPLIT_SAMPLE = 100  # pair frequencies are compared up to this many listings
_SPLITS: dict = {}  # (word, generation, last vocabulary id) → best split or None


def query_words(lexicon: Lexicon, conn, parsed: ParsedQuery) -> list[QueryWord]:
    """Every query word with its derivations, concatenations included (hold lexicon.lock)."""
    words, last = parsed.words, len(parsed.words) - 1
    found = []
    for i, word in enumerate(words):
        if i in parsed.in_phrase:
            found.append(QueryWord(word, False, [Derivation((word,), exact=True)]))
            continue
        qw = lexicon.derive(word, parsed.last_is_prefix and i == last)
        qw.derivations += split(lexicon, conn, word) + compound(word)
        found.append(qw)
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            if any(j in parsed.in_phrase for j in span) or parsed.breaks & set(span[1:]):
                continue
            joined = "".join(words[j] for j in span)
            is_prefix = parsed.last_is_prefix and span[-1] == last
            derived = lexicon.derive(joined, is_prefix, max(0, typo_budget(joined) - (n - 1)))
            for j in span:  # one typo per joined word; the joined word's own typos once
                found[j].derivations += [
                    replace(
                        d,
                        kind="concat" if d.kind in ("exact", "prefix", "typo") else d.kind,
                        typos=1 + (d.typos if j == i else 0),
                        exact=False,
                        span=(i, span[-1]),
                    )
                    for d in derived.derivations
                ]
    return found


def split(lexicon: Lexicon, conn, word: str) -> list[Derivation]:
    """The word's two halves as a phrase, where the pair is most frequent (none: [])."""
    key = (word, lexicon.generation, lexicon.last_term)
    if key not in _SPLITS:
        if len(_SPLITS) > 10_000:
            _SPLITS.clear()
        best, best_count = None, 0
        for k in range(1, len(word)):
            left, right = word[:k], word[k:]
            if left in lexicon.vocabulary.terms and right in lexicon.vocabulary.terms:
                phrase = Derivation((left, right), columns=TEXT_COLUMNS).fts()
                count = conn.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)",
                    (phrase, SPLIT_SAMPLE),
                ).fetchone()[0]
                if count > best_count:
                    best, best_count = (left, right), count
        _SPLITS[key] = best
    best = _SPLITS[key]
    return [Derivation(best, typos=1, kind="split", columns=TEXT_COLUMNS)] if best else []


def compound(word: str) -> list[Derivation]:
    """All catalogue parts of a word made only of them, in the compound-part columns."""
    parts = _compound_terms(word)
    if len(parts) < 2 or "".join(reversed(parts)) != word:
        return []
    return [Derivation(parts, kind="compound", columns=PART_COLUMNS, all_of=True)]
