"""Finnish and Swedish are complete: every text in the code and templates has a translation
(no fuzzy ones, same placeholders), and the pages honour the language choice."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    """Every translatable text in marketplace/ and templates/, extracted as the Makefile does."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder, method in (("marketplace", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=keywords
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_text_is_translated(lang):
    catalogue = read_po(
        open(ROOT / f"marketplace/translations/{lang}/LC_MESSAGES/messages.po", "rb")
    )
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy, (lang, key)
        assert all(strings), f"{lang}: no translation for {key!r}"
        for s in strings:
            assert sorted(set(PLACEHOLDER.findall(s))) == sorted(
                set(PLACEHOLDER.findall(message.id[-1] if isinstance(message.id, tuple) else key))
            ), (lang, key, s)
        translated[key] = strings
    missing = sorted(source_messages() - set(translated))
    assert not missing, f"{lang}: run `make extract-messages` and translate: {missing[:10]}"


@pytest.mark.parametrize(
    "header, lang, word",
    [
        ("fi", "fi", "Kirjaudu"),
        ("sv-FI,sv;q=0.9", "sv", "Logga in"),
        ("en-GB", "en", "Sign in"),
        ("de", "fi", "Kirjaudu"),
    ],
)
def test_accept_language_chooses_the_page_language(client, header, lang, word):
    page = client.get("/", headers={"Accept-Language": header})
    assert f'<html lang="{lang}">' in page.text and word in page.text


def test_the_language_switch_is_remembered(client):
    client.post("/language", data={"locale": "sv", "next": "/impact/"})
    page = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="sv">' in page.text


def test_category_names_come_from_the_catalogue_in_each_language(client, app, make):
    make.listing(make.builder(), category="gypsum", unit="m2")
    from marketplace import outbox

    outbox.run_once()
    assert "Kipsilevyt" in client.get("/", headers={"Accept-Language": "fi"}).text
    assert "Gipsskivor" in client.get("/", headers={"Accept-Language": "sv"}).text
    api = client.get("/api/v1/listings", headers={"Accept-Language": "sv"}).get_json()
    assert api["hits"][0]["category_name"] == "Gipsskivor"
