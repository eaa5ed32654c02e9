"""One field for every decimal a person types: `60,2170`, `12.5`, `1 234,5` (space or no-break
space between thousands). A comma is always the decimal mark, never a thousands separator, so
`60,2170` is 60.2170 and not 602170; anything else ambiguous (`1.234,5`, `1,234.5`, `12,5,0`) is
refused with a field error instead of being guessed."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.widgets import TextInput

from ... import formatting

# Spaces people (and spreadsheets) put between groups of three digits: space, no-break space,
# narrow no-break space, thin space.
_GROUP_SPACES = re.compile("[ \u00a0\u202f\u2009]")
_NUMBER = re.compile(r"[+-]?(\d{1,3}(?: \d{3})+|\d+)?(?:[.,](\d+))?", re.ASCII)
MAX_CHARS = 40


def parse_decimal(text: str | None) -> Decimal | None:
    """The Decimal a person meant by `text`, None when empty; ValueError when it is not clear."""
    text = (text or "").strip().replace("\u2212", "-")  # a typographic minus sign
    if not text:
        return None
    text = _GROUP_SPACES.sub(" ", text)
    match = _NUMBER.fullmatch(text) if len(text) <= MAX_CHARS else None
    if match is None or (match.group(1) is None and match.group(2) is None):
        raise ValueError(text)
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None


def example(locale=None) -> str:
    """How the reader writes a number with decimals: 12,5 or 12.5."""
    return formatting.number(Decimal("12.5"), locale=locale)


class LocalDecimalField(Field):
    """A decimal typed in the reader's notation; `data` is a Decimal, or None when left empty."""

    widget = TextInput()  # type=number would let the browser reject or reinterpret a comma

    def __init__(self, label=None, validators=None, *, suffix: str = "", **kwargs):
        render_kw = {
            "inputmode": "decimal",
            "autocomplete": "off",
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.suffix = suffix  # a unit people may type after the figure ("12,50 €")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        try:
            self.data = parse_decimal(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a number, e.g. %(example)s.", example=example())) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return formatting.editable(self.data)
