"""API: demolition-survey imports (contract: api-v1-additions.md, "Bulk supply")."""

from flask import request
from flask_babel import gettext as _

from ..client_input import MAX_ID, is_row_id
from ..models import Role
from ..services import survey_file
from ..services import survey_import as imports
from . import import_schemas as shapes
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, UnsupportedMediaType, doc, respond
from .parameters import param

_MEDIA = ("text/csv", "text/plain", survey_file.XLSX, "application/octet-stream")
IMPORT_QUERY = {
    "site_id": param(
        "the site of the caller's organisation the survey is for (required)",
        type="integer",
        minimum=1,
        maximum=MAX_ID,
    ),
    "dry_run": param(
        "true (default): check and preview every row, store nothing; false: "
        "publish every row as a listing, or none",
        type="boolean",
    ),
}
_FILE_BODY = {
    "text/csv": {"type": "string", "description": "UTF-8 (BOM or none); `,` or `;` separated"},
    survey_file.XLSX: {"type": "string", "format": "binary"},
}


def _flag(name: str, default: bool) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value in ("", "true", "false"):
        return default if not value else value == "true"
    message = _("Enter true or false.")
    raise BadRequest(message, fields={name: message})


@bp.post("/imports/survey")
@login_required(Role.BUILDER)
@doc(
    "Import a demolition survey (CSV or XLSX) as listings of one site",
    raw_body=_FILE_BODY,
    response=shapes.ImportPreviewOut,
    also={201: shapes.ImportCreatedOut},
    query=IMPORT_QUERY,
    errors=(400, 401, 403, 404, 413, 415, 422),
)
def imports_survey():
    """Dry run (default): 200 with every row as the listing it would become, or its errors.
    Real run: 201 with the new listings when every row is valid, else 422 `validation_failed`
    with the same rows (error.rows) and nothing stored. Hazardous rows: `hazardous_material`."""
    site_id = request.args.get("site_id", "").strip()
    if not site_id.isdigit() or not is_row_id(int(site_id)):
        message = _("Give the id of one of your organisation's sites.")
        raise BadRequest(message, fields={"site_id": message})
    dry_run = _flag("dry_run", True)
    if request.mimetype not in _MEDIA:
        raise UnsupportedMediaType(_("Send the survey as text/csv or as an .xlsx spreadsheet."))
    data = request.stream.read(survey_file.MAX_BYTES + 1)
    result = imports.survey_import(
        user_id=current().id,
        site_id=int(site_id),
        data=data,
        content_type=request.mimetype,
        dry_run=dry_run,
    )
    if dry_run:
        rows = [imports.row_json(r) for r in result.rows]
        return respond(
            shapes.ImportPreviewOut(rows=rows, valid=result.valid, invalid=result.invalid)
        )
    return respond(shapes.ImportCreatedOut(import_id=result.import_id, created=result.created), 201)


@bp.delete("/imports/<int:import_id>")
@login_required(Role.BUILDER)
@doc("Undo a survey import", response=shapes.ImportUndoOut, errors=(401, 403, 404))
def imports_undo(import_id):
    """Withdraw the import's listings that nobody has reserved; the others are kept."""
    withdrawn, kept = imports.survey_import_undo(user_id=current().id, import_id=import_id)
    return respond(shapes.ImportUndoOut(withdrawn=withdrawn, kept=kept))
