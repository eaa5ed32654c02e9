"""Locales, units and conditions are each defined once; everything else derives from them."""

import ast
import typing
from pathlib import Path

from marketplace import labels
from marketplace.api import schemas
from marketplace.config import TestConfig
from marketplace.locales import LANGUAGE_NAMES, LOCALES
from marketplace.models import UNITS, Condition
from marketplace.search.meili import settings as meili_settings
from marketplace.web.forms.accounts import LOCALE_CHOICES

PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"
HOMES = {
    "locales": PACKAGE / "locales.py",
    "units": PACKAGE / "models" / "catalog.py",
    "conditions": PACKAGE / "models" / "listings.py",
}
ENUMERATIONS = {
    "locales": set(LOCALES),
    "units": set(UNITS),
    "conditions": {c.value for c in Condition},
}


def test_everything_that_lists_them_derives_from_the_one_enumeration():
    assert TestConfig().LANGUAGES == LOCALES
    assert [code for code, _name in LOCALE_CHOICES] == list(LANGUAGE_NAMES) == list(LOCALES)
    assert set(meili_settings.LANGUAGES) == set(LOCALES)
    assert list(labels.UNITS) == list(UNITS)
    assert list(labels.CONDITIONS) == list(Condition)
    assert typing.get_args(schemas.Unit) == UNITS
    assert typing.get_args(schemas.ConditionGrade) == tuple(c.value for c in Condition)


def test_no_module_spells_an_enumeration_out_again():
    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                continue
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            strings = {
                i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)
            }
            for name, values in ENUMERATIONS.items():
                if strings >= values and path != HOMES[name]:
                    copies.append(
                        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} repeats the {name}"
                    )
    # The Meilisearch settings map each locale to Meilisearch's own language code: checked above.
    copies = [c for c in copies if not c.startswith("marketplace/search/meili/settings.py")]
    assert not copies, copies
