"""search.text: folding, words and Finnish/Swedish compound parts, shared by both backends."""

import unicodedata

import pytest

from marketplace.search.text import compound_parts_of, compound_terms, derived_terms, fold, words


def _reference_fold(text: str) -> str:
    """The definition fold() is a faster version of."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("æ", "ae").replace("œ", "oe").replace("ß", "ss")


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Väliovi", "valiovi"),
        ("DÖRR", "dorr"),
        ("Tegelsten på pall", "tegelsten pa pall"),
        ("Æble œuvre Straße", "aeble oeuvre strasse"),
        ("m²", "m2"),
        ("ﬁlm", "film"),
        ("e\u0301", "e"),
        ("Ø stål", "ø stal"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_lowercases_and_drops_diacritics(text, folded):
    assert fold(text) == folded


def test_fold_matches_its_definition_on_mixed_scripts():
    samples = [
        "Ἀθῆναι",
        "ǅungla",
        "İstanbul",
        "ΣΑΣ",
        "Ḱ̌ä̈",
        "Kupari, pronssi ja messinki",
        "Ångström œ",
    ]
    assert [fold(s) for s in samples] == [_reference_fold(s) for s in samples]


def test_words_are_folded_and_split_on_hyphens_and_punctuation():
    assert words("Ulko-ovi, 10×21M; Kipsilevy 12,5 mm") == [
        "ulko",
        "ovi",
        "10",
        "21m",
        "kipsilevy",
        "12",
        "5",
        "mm",
    ]
    assert words("") == []


@pytest.mark.parametrize(
    "word, parts",
    [
        ("kattotiili", ["tiili", "katto"]),
        ("savikattotiili", ["tiili", "katto", "savi"]),
        ("mineraalivilla", ["villa"]),
        ("valiovi", ["ovi"]),
        ("kipsilevy", ["levy", "kipsi"]),
        ("innerdorr", ["dorr"]),
    ],
)
def test_compound_terms_finds_catalogue_parts_at_the_end(word, parts):
    assert compound_terms(word) == parts


@pytest.mark.parametrize("word", ["sovittaa", "ovi", "tiili", "lovi", "kovin", "villa", ""])
def test_compound_terms_needs_a_part_at_the_end_and_a_head_of_three_letters(word):
    assert compound_terms(word) == []


def test_derived_terms_of_a_text_once_each_in_order():
    assert derived_terms("Väliovi ja ulko-ovi, kattotiili ja savikattotiili") == [
        "ovi",
        "tiili",
        "katto",
        "savi",
    ]
    assert derived_terms("Sovittaa kovin") == []
    assert compound_parts_of(words("Mineraalivilla, lasivillalevy")) == derived_terms(
        "Mineraalivilla, lasivillalevy"
    )


def test_compound_terms_returns_a_fresh_list_each_time():
    first = compound_terms("kattotiili")
    first.append("mutated")
    assert compound_terms("kattotiili") == ["tiili", "katto"]
