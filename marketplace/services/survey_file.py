"""Reading a demolition survey file (CSV or XLSX) into rows of text keyed by column name.

One table of column aliases (fi/sv/en, case-insensitive); limits against huge files and zip
bombs. What a row means is services/survey_rows.py's business; this module only reads."""

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed

MAX_ROWS = 5000  # a large survey has a few hundred rows; the benchmark imports 5,000
MAX_BYTES = 5 * 1024 * 1024  # the file as uploaded
MAX_XLSX_UNPACKED = 50 * 1024 * 1024  # an .xlsx is a zip: its sheets may not unpack beyond this
MAX_COLUMNS = 40
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The columns and the header names they go by, in fi, sv and en (compared case-insensitively,
# spaces and underscores alike). The README's "Survey import" table lists the same names.
COLUMNS = {
    "material": ("material", "materiaali", "materiaal", "nimike", "aine", "ämne", "category"),
    "title": ("title", "otsikko", "rubrik", "nimi", "namn"),
    "description": ("description", "kuvaus", "beskrivning", "lisätiedot", "tilläggsuppgifter"),
    "quantity": ("quantity", "määrä", "mängd", "kvantitet"),
    "unit": ("unit", "yksikkö", "enhet"),
    "kg_per_unit": (
        "kg_per_unit",
        "kg/unit",
        "kg/yksikkö",
        "kg/enhet",
        "paino kg/yksikkö",
        "vikt kg/enhet",
    ),
    "condition": ("condition", "kunto", "skick"),
    "available_from": ("available_from", "saatavilla alkaen", "tillgänglig från", "alkaen", "från"),
    "available_until": ("available_until", "saatavilla asti", "tillgänglig till", "asti", "till"),
    "ewc_code": (
        "ewc_code",
        "ewc",
        "ewc-koodi",
        "ewc-kod",
        "jäteluokka",
        "avfallskod",
        "jätekoodi",
    ),
    "location": ("location", "sijainti", "placering", "läge", "where in the building"),
    "price_cents": ("price_cents", "hinta senteissä", "pris i cent", "hinta (snt)", "pris (cent)"),
}
REQUIRED = ("material", "quantity", "unit")


def _key(name) -> str:
    return " ".join(str(name or "").replace("_", " ").casefold().split())


_ALIASES = {_key(alias): column for column, names in COLUMNS.items() for alias in names}


class SurveyFileError(ValidationFailed):
    """The file as a whole cannot be read (encoding, format, size, header)."""


def read(data: bytes, content_type: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-empty row of a CSV or XLSX survey."""
    if len(data) > MAX_BYTES:
        raise SurveyFileError(fields={"file": _l("The file is larger than %(n)d MB.", n=5)})
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise SurveyFileError(fields={"file": _l("The file is empty.")})
    if content_type == XLSX or data[:4] == b"PK\x03\x04":
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    return _keyed(table)


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SurveyFileError(
            fields={
                "file": _l(
                    "The file is not UTF-8 text. Save it as “CSV UTF-8” (Excel) or choose "
                    "the UTF-8 character set (LibreOffice), or upload the .xlsx file."
                )
            }
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error:
        raise SurveyFileError(
            fields={"file": _l("The CSV file is malformed near line %(n)d.", n=reader.line_num)}
        ) from None


def _unreadable() -> SurveyFileError:
    return SurveyFileError(
        fields={
            "file": _l("The file is neither a CSV file nor an .xlsx spreadsheet that can be read.")
        }
    )


def _xlsx_rows(data: bytes):
    import openpyxl  # only surveys need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise SurveyFileError(fields={"file": _l("The spreadsheet is too large.")})
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SurveyFileError:
        raise
    except Exception:  # noqa: BLE001 - whatever openpyxl cannot read is the uploader's file
        raise _unreadable() from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        for number, row in enumerate(rows, 1):
            if number > MAX_ROWS + 2 + 1000:  # header, blank lines: beyond, it is too many anyway
                yield number, ["…"]
                return
            yield number, [_cell(value) for value in row]
    except Exception:  # noqa: BLE001 - a broken sheet inside a valid zip, read lazily
        raise _unreadable() from None
    finally:
        book.close()


def _cell(value) -> str:
    """A spreadsheet cell as the text a CSV file would hold (dates ISO, numbers exact)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else "NaN"
    return str(value)


def _keyed(table) -> list[tuple[int, dict[str, str]]]:
    header, rows = None, []
    for line, cells in table:
        if not any(str(c).strip() for c in cells):
            continue  # empty lines are left out
        if header is None:
            header = _header(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise SurveyFileError(
                fields={
                    "file": _l("A survey can have at most %(n)d rows; split the file.", n=MAX_ROWS)
                }
            )
        rows.append(
            (
                line,
                {
                    column: str(cells[i]).strip() if i < len(cells) else ""
                    for i, column in header.items()
                },
            )
        )
    if header is None:
        raise SurveyFileError(fields={"file": _l("The file is empty.")})
    if not rows:
        raise SurveyFileError(fields={"file": _l("The file has a header but no rows.")})
    return rows


def _header(cells) -> dict[int, str]:
    """Column position → column name; unknown columns are ignored, required ones must be there."""
    header = {}
    for position, name in enumerate(cells[:MAX_COLUMNS]):
        column = _ALIASES.get(_key(name))
        if column and column not in header.values():
            header[position] = column
    missing = [c for c in REQUIRED if c not in header.values()]
    if missing:
        raise SurveyFileError(
            fields={
                "file": _l(
                    "The header row lacks the columns: %(columns)s.", columns=", ".join(missing)
                )
            }
        )
    return header
