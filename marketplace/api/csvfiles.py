"""CSV downloads in two variants, chosen by `?variant=`:

- `standard` (the default): `,`-separated, `.` as the decimal mark, UTF-8 without a BOM: what
  programs and the open-data portals read; its bytes do not change with the reader's language.
- `spreadsheet`: for Excel or LibreOffice set to Finnish or Swedish, which split on `;`, read
  `,` as the decimal mark and need a byte-order mark to take the file as UTF-8 (ä, ö, å).

Only numbers change between the two: dates stay ISO 8601, codes and text stay as they are.
"""

import csv
import io
from decimal import Decimal

from flask import Response, request
from flask_babel import gettext as _

from .io import BadRequest

STANDARD, SPREADSHEET = "standard", "spreadsheet"
VARIANTS = (STANDARD, SPREADSHEET)
BOM = "\ufeff"


def variant() -> str:
    """The `variant` query parameter: 'standard' when absent; 400 when unknown."""
    value = request.args.get("variant", "").strip() or STANDARD
    if value not in VARIANTS:
        message = _("variant must be one of: %(values)s.", values=", ".join(VARIANTS))
        raise BadRequest(message, fields={"variant": message})
    return value


def _spreadsheet_cell(value):
    """A number with a decimal comma; bool is not a number here, and text stays text."""
    if isinstance(value, (float, Decimal)):
        return format(value if isinstance(value, Decimal) else Decimal(str(value)), "f").replace(
            ".", ","
        )
    return value


def csv_response(header, rows, filename: str, chosen: str | None = None) -> Response:
    """The rows as a CSV download in the requested variant (`chosen`, else `?variant=`)."""
    chosen = chosen or variant()
    out = io.StringIO()
    if chosen == SPREADSHEET:
        out.write(BOM)
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        writer.writerows([_spreadsheet_cell(v) for v in row] for row in rows)
        stem = filename.removesuffix(".csv")
        filename = f"{stem}-spreadsheet.csv"
    else:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
