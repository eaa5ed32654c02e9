"""The materials catalogue as catalog_loader.sync() leaves it in the database."""

import re
import tomllib
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import catalog_loader
from marketplace.extensions import db
from marketplace.models import UNITS, CarbonFactor, Category, FactorSet

NOT_LISTABLE = (
    "asbestos",
    "impregnated-wood",
    "pcb-glazing",
    "contaminated-soil",
    "tar-asphalt",
    "mixed",
)
EWC = re.compile(r"\d{2} \d{2} \d{2}\*?")


@pytest.fixture
def categories(app):
    return db.session.scalars(sa.select(Category).order_by(Category.slug)).all()


@pytest.fixture
def factor_set(app):
    return db.session.scalars(sa.select(FactorSet).where(FactorSet.active)).one()


def counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Category, FactorSet, CarbonFactor)
    )


def test_catalogue_has_at_least_25_categories(categories):
    assert len(categories) >= 25


def test_every_category_is_named_in_english_finnish_and_swedish(categories):
    for category in categories:
        assert all((category.names.get(lang) or "").strip() for lang in ("en", "fi", "sv")), (
            category.slug
        )


def test_every_category_has_an_ewc_code(categories):
    for category in categories:
        assert EWC.fullmatch(category.ewc_code), (category.slug, category.ewc_code)


def test_every_default_unit_is_a_known_unit_with_a_typical_mass(categories):
    for category in categories:
        assert category.default_unit in UNITS, category.slug
        if category.default_unit not in ("kg", "t"):
            assert category.typical_kg(category.default_unit) > 0, category.slug


def test_listable_categories_never_carry_a_hazardous_ewc_code(categories):
    for category in categories:
        if category.listable:
            assert "*" not in category.ewc_code, category.slug


@pytest.mark.parametrize("slug", NOT_LISTABLE)
def test_hazardous_and_mixed_categories_are_not_listable(app, slug):
    assert db.session.get(Category, slug).listable is False


def test_every_typical_mass_cites_a_known_source(categories, factor_set):
    for category in categories:
        for unit, spec in category.kg_per_unit.items():
            assert unit in UNITS, (category.slug, unit)
            assert spec["source"] in factor_set.sources, (category.slug, unit, spec["source"])


def test_every_carbon_factor_cites_a_known_source(factor_set):
    assert factor_set.factors
    for factor in factor_set.factors:
        assert factor.source in factor_set.sources, (factor.category_slug, factor.source)
        assert factor.kg_co2e_per_kg > 0


def test_hazardous_categories_have_no_carbon_factor(factor_set):
    slugs = {factor.category_slug for factor in factor_set.factors}
    assert slugs.isdisjoint(NOT_LISTABLE)


def test_sync_twice_is_idempotent(app):
    before = counts()
    report = catalog_loader.sync()
    assert counts() == before
    assert report["factor_set_created"] is False
    assert report["categories"] == before[0]


def test_sync_restores_an_edited_category(app):
    brick = db.session.get(Category, "brick")
    brick.names = {"en": "Wrong"}
    brick.listable = False
    db.session.commit()
    catalog_loader.sync()
    db.session.expire_all()
    brick = db.session.get(Category, "brick")
    assert brick.names["fi"] == "Tiilet" and brick.listable is True


def test_changed_factor_under_the_same_factor_set_raises(app, tmp_path):
    text = catalog_loader.CATALOGUE_FILE.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    brick = next(c for c in data["category"] if c["slug"] == "brick")
    old = f"kg_co2e_per_kg = {brick['carbon']['kg_co2e_per_kg']}"
    assert text.count(old) >= 1
    start = text.index('slug = "brick"')
    at = text.index(old, start)
    changed = text[:at] + "kg_co2e_per_kg = 0.999" + text[at + len(old) :]
    copy = tmp_path / "catalogue.toml"
    copy.write_text(changed, encoding="utf-8")
    before = counts()
    with pytest.raises(catalog_loader.CatalogueError):
        catalog_loader.sync(copy)
    db.session.rollback()
    held = db.session.scalar(
        sa.select(CarbonFactor.kg_co2e_per_kg).where(CarbonFactor.category_slug == "brick")
    )
    assert held == Decimal(str(brick["carbon"]["kg_co2e_per_kg"]))
    assert counts() == before


def test_changed_factor_under_a_new_factor_set_id_loads_beside_the_old_one(app, tmp_path):
    text = catalog_loader.CATALOGUE_FILE.read_text(encoding="utf-8")
    meta = tomllib.loads(text)["meta"]
    copy = tmp_path / "catalogue.toml"
    copy.write_text(
        text.replace(f'factor_set = "{meta["factor_set"]}"', 'factor_set = "test-next"', 1),
        encoding="utf-8",
    )
    report = catalog_loader.sync(copy)
    assert report["factor_set_created"] is True
    active = db.session.scalars(sa.select(FactorSet.id).where(FactorSet.active)).all()
    assert active == [meta["factor_set"]]  # a new set never silently replaces the active one
