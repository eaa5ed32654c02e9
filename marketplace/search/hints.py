"""Help for an empty result: the catalogue's words in other languages (synonyms) and close
spellings, so that "tegel", "brick" or a typo like "kipsilvey" still lead somewhere."""

from rapidfuzz import fuzz, process

from ..queries.listings import categories
from .text import fold, words


def hints(text: str, locale: str, limit: int = 6) -> list[str]:
    """Search terms to suggest for `text`: catalogue words spelled close to its words, and the
    same material's names in the other languages."""
    original: dict[str, str] = {}  # folded term -> as written in the catalogue
    group_of: dict[str, tuple[str, ...]] = {}
    for category in categories(listable_only=True):
        terms = [category.name(locale).lower()] + [
            w for ws in category.synonyms.values() for w in ws
        ]
        group = tuple(dict.fromkeys(terms))
        for term in group:
            original.setdefault(fold(term), term)
            group_of.setdefault(fold(term), group)
    suggestions: dict[str, None] = {}
    for word in words(text):
        if word in group_of:  # a known word: offer the material's other names
            for term in group_of[word][:4]:
                if fold(term) != word:
                    suggestions.setdefault(term, None)
            continue
        for match, score, _ in process.extract(word, list(original), scorer=fuzz.ratio, limit=3):
            if score >= 70:
                suggestions.setdefault(original[match], None)
    return list(suggestions)[:limit]
