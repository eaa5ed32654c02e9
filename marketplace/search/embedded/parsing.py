"""A query's text as the embedded engine reads it, as Meilisearch's parse_query.rs does: words,
"phrases", -exclusions, where hard separators fall, and which words the `last` matching
strategy drops first."""

import re
from dataclasses import dataclass, field

from ..text import HARD, fold, positioned_words

MAX_WORDS = 10  # Meilisearch reads the first 10 query words
_ENDS_IN_WORD = re.compile(r"\w$")
_HARD_END = re.compile(r"(?:[!;?¡¿§¶…]|[.,] ?)$")  # a part ending in a hard separator


@dataclass
class ParsedQuery:
    """A query's text as Meilisearch reads it: words, "phrases" and -exclusions."""

    words: list[str]  # the first MAX_WORDS words to match (phrases' too)
    last_is_prefix: bool
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # each must appear, in order
    excluded: list[tuple[str, ...]] = field(default_factory=list)  # what no result may hold
    in_phrase: set[int] = field(default_factory=set, compare=False)  # words of a phrase
    breaks: set[int] = field(default_factory=set, compare=False)  # a hard separator before

    def removal_order(self) -> list[frozenset[int]]:
        """The word sets of the "words" buckets, best first: Meilisearch's `last` strategy drops
        plain words from the end, never a phrase's; without a phrase the first word stays."""
        kept = list(range(len(self.words)))
        order = [frozenset(kept)]
        droppable = [i for i in kept if i not in self.in_phrase]
        floor = 0 if self.in_phrase else 1
        while len(droppable) > floor:
            kept.remove(droppable.pop())
            order.append(frozenset(kept))
        return order


# A part: an optional leading "-" (only at the start of a part), then "a phrase" or a run without
# spaces or quotes; a quote left without its pair is dropped, so "kattotiili mus still matches.
_PART = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)|"')


def _runs(text: str) -> list[tuple[str, ...]]:
    """The words of a text in runs that hard separators part: 'a, b c' → [('a',), ('b', 'c')]."""
    runs, run = [], []
    for token in positioned_words(text):
        if token == HARD:
            runs.append(tuple(run))
            run = []
        else:
            run.append(token)
    return [r for r in runs + [tuple(run)] if r]


def parse_query(text: str) -> ParsedQuery:
    """Words, phrases and exclusions; the last word is a prefix unless the query ends with a
    space, a separator, a phrase or an exclusion. A hard separator inside a phrase ends it and
    starts another, as in Meilisearch; no concatenation joins words across one."""
    found, phrases, excluded, last_plain = [], [], [], False
    in_phrase, breaks, hard_before = set(), set(), False
    for part in _PART.finditer(text):
        negative, phrase = part.group(1) or part.group(3), part.group(2)
        runs = _runs(phrase if phrase is not None else part.group(4) or "")
        ends_hard = _HARD_END.search(text, 0, min(len(text), part.end() + 1)) is not None
        if not runs:
            hard_before = hard_before or ends_hard
            continue
        if hard_before:
            breaks.add(len(found))
        hard_before = ends_hard
        for n, run in enumerate(runs):
            if negative:
                excluded.append(run)
                continue
            if n:
                breaks.add(len(found))
            if phrase is not None:
                in_phrase.update(range(len(found), len(found) + len(run)))
                phrases.append(run)
            found += run
        last_plain = not negative and phrase is None and part.end() == len(text)
    last_is_prefix = (
        0 < len(found) <= MAX_WORDS and last_plain and bool(_ENDS_IN_WORD.search(fold(text)))
    )
    words = found[:MAX_WORDS]
    return ParsedQuery(
        words,
        last_is_prefix,
        phrases,
        excluded,
        {i for i in in_phrase if i < len(words)},
        {i for i in breaks if 0 < i < len(words)},
    )
