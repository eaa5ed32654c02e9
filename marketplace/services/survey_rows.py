"""What one row of a demolition survey means: its material, unit, numbers and EWC code, turned
into the fields of a typed listing (services/listings.py then checks them as it checks any)."""

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from ..catalog_loader import read_catalogue
from ..models import UNITS, Category, Condition

# Units as surveys write them; keys compared case-insensitively without spaces or dots.
UNIT_ALIASES = {
    **{unit: unit for unit in UNITS},  # every unit code names itself
    "pc": "pcs",
    "kpl": "pcs",
    "st": "pcs",
    "stk": "pcs",
    "pieces": "pcs",
    "jm": "m",
    "lm": "m",
    "metri": "m",
    "meter": "m",
    "metre": "m",
    "m²": "m2",
    "neliö": "m2",
    "sqm": "m2",
    "kvm": "m2",
    "m³": "m3",
    "kuutio": "m3",
    "cbm": "m3",
    "tn": "t",
    "tonni": "t",
    "ton": "t",
    "tonnes": "t",
}
CONDITION_ALIASES = {
    "new": "new",
    "uusi": "new",
    "ny": "new",
    "like new": "like_new",
    "kuin uusi": "like_new",
    "som ny": "like_new",
    "good": "good",
    "hyvä": "good",
    "bra": "good",
    "god": "good",
    "fair": "fair",
    "tyydyttävä": "fair",
    "kohtalainen": "fair",
    "nöjaktig": "fair",
    "for parts": "for_parts",
    "osiksi": "for_parts",
    "som reservdelar": "for_parts",
}
DEFAULT_CONDITION = Condition.GOOD.value  # surveys seldom grade condition; the builder may edit
_SPACES = re.compile("[ \u00a0\u202f\u2009]")
_FINNISH_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_EWC = re.compile(r"(\d{2})\s*(\d{2})\s*(\d{2})\s*(\*?)")


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


def material_index(categories: list[Category]) -> dict[str, str]:
    """Every way a survey may name a category (slug, fi/sv/en names and synonyms) → its slug."""
    index = {}
    for category in sorted(categories, key=lambda c: c.sort):
        names = [category.slug, *category.names.values()]
        names += [s for words in (category.synonyms or {}).values() for s in words]
        for name in names:
            index.setdefault(_fold(name), category.slug)
    return index


@lru_cache(maxsize=1)
def _ewc_rules() -> dict[str, set[str]]:
    """slug → the EWC codes the catalogue allows for it (its code and its alternatives)."""
    return {
        entry["slug"]: {entry["ewc_code"], *entry.get("ewc_alternatives", [])}
        for entry in read_catalogue()["category"]
    }


def ewc_normal(text: str) -> str | None:
    """'170101', '17 01 01' or '17-01-01*' as '17 01 01' (with its '*'); None if not a code."""
    match = _EWC.fullmatch(text.replace("-", " ").replace(".", " ").strip())
    return None if match is None else "{} {} {}{}".format(*match.groups())


def iso_date(text: str) -> str:
    """'1.3.2027' (how Finns and Swedes in Finland write dates) as '2027-03-01'; else as is."""
    match = _FINNISH_DATE.fullmatch(text.strip())
    return "{2}-{1:0>2}-{0:0>2}".format(*match.groups()) if match else text.strip()


def number(text: str) -> str:
    """A number as written in a survey (`1 234,5`, `12.5`) in the form validation reads; an
    ambiguous one (`1.234,5`) stays ambiguous so that validation refuses it."""
    return _SPACES.sub("", text).replace("\u2212", "-")


def row_fields(
    raw: dict[str, str], index: dict[str, str], categories: dict[str, Category], locale: str
) -> tuple[dict, dict, str | None]:
    """(listing fields, early errors by column, error code) for one survey row."""
    errors, code = {}, None
    slug = index.get(_fold(raw.get("material", "")))
    if not raw.get("material"):
        errors["material"] = _l("This field is required.")
    elif slug is None:
        errors["material"] = _l(
            "Unknown material “%(name)s”: use a name or synonym from the catalogue.",
            name=raw["material"][:60],
        )
    unit = UNIT_ALIASES.get(raw.get("unit", "").replace(" ", "").replace(".", "").casefold())
    if unit is None:
        errors["unit"] = _l("Choose one of: %(units)s.", units=", ".join(UNITS))
    condition_text = _fold(raw.get("condition", ""))
    condition = CONDITION_ALIASES.get(condition_text, condition_text) or DEFAULT_CONDITION
    if raw.get("ewc_code"):
        ewc = ewc_normal(raw["ewc_code"])
        if ewc is None:
            errors["ewc_code"] = _l("Write the EWC code as six digits, e.g. 17 01 02.")
        elif ewc.endswith("*"):
            errors["ewc_code"] = _l(
                "%(code)s is hazardous waste: it cannot be listed and must go "
                "to a licensed receiver.",
                code=ewc,
            )
            code = "hazardous_material"
        elif slug is not None and ewc not in _ewc_rules().get(slug, set()):
            category = categories[slug]
            errors["ewc_code"] = _l(
                "%(code)s does not agree with %(material)s (%(expected)s).",
                code=ewc,
                material=category.name(locale),
                expected=", ".join(sorted(_ewc_rules()[slug])),
            )
    fields = {
        "category": slug,
        "title": raw.get("title") or _title(raw, slug, categories, locale),
        "description": _description(raw),
        "quantity": number(raw.get("quantity", "")),
        "unit": unit,
        "condition": condition,
        "available_from": iso_date(raw.get("available_from", "")) or None,
        "available_until": iso_date(raw.get("available_until", "")) or None,
        "price_cents": number(raw.get("price_cents", "")) or None,
    }
    if raw.get("kg_per_unit"):
        fields["kg_per_unit"] = number(raw["kg_per_unit"])
    return fields, errors, code


def _title(raw, slug, categories, locale) -> str:
    """Material, quantity and location, as the contract makes a missing title."""
    name = categories[slug].name(locale) if slug else raw.get("material", "")
    parts = [name, f"{raw.get('quantity', '')} {raw.get('unit', '')}".strip(), raw.get("location")]
    return ", ".join(p for p in parts if p)[:140]


def _description(raw) -> str:
    location = raw.get("location", "")
    text = raw.get("description", "")
    if location:
        text = "\n\n".join(
            p for p in (text, str(_l("Where in the building: %(place)s", place=location))) if p
        )
    return text
