"""The Meilisearch index settings, built from code and the catalogue, and the comparison that
lets apply_settings() send only what differs (changing most settings reindexes everything)."""

import json
import logging

from ...catalog_loader import read_catalogue
from ..query import MAX_FACET_VALUES

log = logging.getLogger(__name__)

# listing language -> its locale (fields: FOLDING_LOCALES)
LANGUAGES = {"fi": "fin", "sv": "swe", "en": "eng"}
LOCALE_ALIASES = {"fi": "fin", "sv": "swe", "en": "eng"}

# Ranked: a match in a title beats one in category words, which beats one in a description.
SEARCHABLE = (
    [f"title_{lang}" for lang in LANGUAGES]
    + [f"category_name_{lang}" for lang in LANGUAGES]
    + ["category_synonyms", "compound_terms"]
    + [f"description_{lang}" for lang in LANGUAGES]
)
# Whitelist for filter expressions (query.py uses nothing else). `id` is filterable so
# delete() can use the client's non-deprecated delete-by-filter call.
# The fields every document carries as they are (documents.py) and filters may use.
FILTER_FIELDS = (
    "category",
    "condition",
    "site_id",
    "free",
    "price_cents",
    "available_from_day",
    "available_until_day",
    "organization_id",
    "public_from",  # staged release: epoch seconds; query.py hides it from non-professionals
)
FILTERABLE = ["id", *FILTER_FIELDS, "_geo"]
SORTABLE = ["created_ts", "price_cents", "_geo"]
MAX_TOTAL_HITS = 10_000
MAX_VALUES_PER_FACET = MAX_FACET_VALUES  # site_id is a facet: the map counts up to 1,000 sites
TYPO_TOLERANCE = {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}}
# The engine's default ranking rules: up to v1.35, and since v1.36. Either is accepted as
# "default"; anything else is reset to the server's default (rankingRules: null).
DEFAULT_RANKING_RULES = (
    ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    ["words", "typo", "proximity", "attributeRank", "sort", "wordPosition", "exactness"],
)
# Documented synonym limits (behaviour reference 1.10): per term at most 50 synonyms and 100
# words across them; synonyms only apply to query terms of 1-3 words.
MAX_SYNONYMS_PER_TERM = 50
MAX_SYNONYM_WORDS = 100
MAX_KEY_WORDS = 3


def _group(entry: dict) -> list[str]:
    """A category's fi/sv/en names, then its synonyms, lower-cased, once each, in that order."""
    terms = [entry.get("name", {}).get(lang, "") for lang in LANGUAGES]
    for lang in LANGUAGES:
        terms += entry.get("synonyms", {}).get(lang, [])
    cleaned = (" ".join(t.lower().split()) for t in terms)
    return list(dict.fromkeys(t for t in cleaned if t))


def _capped(term: str, candidates: list[str]) -> list[str]:
    """The first synonyms of `term` that fit the engine's limits; what does not fit is logged."""
    kept, words = [], 0
    for other in candidates:
        size = len(other.split())
        if len(kept) >= MAX_SYNONYMS_PER_TERM or words + size > MAX_SYNONYM_WORDS:
            continue
        kept.append(other)
        words += size
    if len(kept) < len(candidates):
        log.warning(
            "synonyms for %r capped at %d of %d (Meilisearch limits: %d terms, %d words)",
            term,
            len(kept),
            len(candidates),
            MAX_SYNONYMS_PER_TERM,
            MAX_SYNONYM_WORDS,
        )
    return sorted(kept)


def synonyms(categories: list[dict] | None = None) -> dict[str, list[str]]:
    """Each category's names and synonyms as one mutual group. A term in several groups gets
    the union. Keys longer than three words are left out (the engine never uses them)."""
    categories = read_catalogue()["category"] if categories is None else categories
    merged: dict[str, list[str]] = {}
    for entry in categories:
        group = _group(entry)
        for term in group:
            bucket = merged.setdefault(term, [])
            bucket += [t for t in group if t != term and t not in bucket]
    return {
        term: _capped(term, others)
        for term, others in sorted(merged.items())
        if len(term.split()) <= MAX_KEY_WORDS and others
    }


# Swedish folds like Finnish: å/ä/ö → a/a/o, as the embedded engine folds every language. With
# the locale `swe`, Meilisearch's tokenizer (charabia's swedish-recomposition normalizer, in the
# default build) keeps å, ä and ö as letters of their own, so `dorr` would not find "Dörr".
# The Swedish fields are therefore tokenized as Finnish (the same Latin pipeline, minus that
# normalizer), and queries too (QUERY_LOCALES), so that no query is detected as Swedish.
FOLDING_LOCALES = {"fi": "fin", "sv": "fin", "en": "eng"}
QUERY_LOCALES = ["fin", "eng"]


def localized_attributes() -> list[dict]:
    """Per-language fields get a locale that folds å/ä/ö (FOLDING_LOCALES)."""
    return [
        {
            "attributePatterns": [f"title_{lang}", f"description_{lang}", f"category_name_{lang}"],
            "locales": [FOLDING_LOCALES[lang]],
        }
        for lang in LANGUAGES
    ]


def wanted() -> dict:
    """The complete settings this application manages (rankingRules: see DEFAULT_RANKING_RULES)."""
    return {
        "searchableAttributes": list(SEARCHABLE),
        "filterableAttributes": list(FILTERABLE),
        "sortableAttributes": list(SORTABLE),
        "synonyms": synonyms(),
        "typoTolerance": TYPO_TOLERANCE,
        "localizedAttributes": localized_attributes(),
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": MAX_VALUES_PER_FACET},
    }


def _canonical(key: str, value):
    """A comparable form of one setting: order-free lists sorted, locale aliases resolved."""
    if value is None:
        return None
    if key in ("filterableAttributes", "sortableAttributes"):
        return sorted(json.dumps(v, sort_keys=True) for v in value)
    if key == "synonyms":
        return {k: sorted(v) for k, v in value.items()}
    if key == "localizedAttributes":
        return [
            (
                sorted(rule.get("attributePatterns", [])),
                sorted(LOCALE_ALIASES.get(x, x) for x in rule.get("locales", [])),
            )
            for rule in value
        ]
    return value


PARTIAL = ("typoTolerance", "pagination", "faceting")  # objects the server fills with more keys


def _covers(have, want) -> bool:
    """True when `have` holds every key of `want` with the same value (nested dicts recurse;
    keys we do not set, such as typoTolerance.disableOnWords, are left to the server)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_covers(have.get(k), v) for k, v in want.items())
    return have == want


def changes(current: dict, desired: dict | None = None) -> dict:
    """The settings in `desired` that `current` (GET /settings) does not already have."""
    desired = wanted() if desired is None else desired
    diff = {}
    for key, value in desired.items():
        have, want = _canonical(key, current.get(key)), _canonical(key, value)
        if not (_covers(have, want) if key in PARTIAL else have == want):
            diff[key] = value
    if current.get("rankingRules") not in DEFAULT_RANKING_RULES:
        diff["rankingRules"] = None  # null resets to the server's default
    return diff
