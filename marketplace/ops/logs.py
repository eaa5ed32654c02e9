"""Log lines as JSON (production) or text (development), each stamped with the request id.

Standard library only: a formatter of about twenty lines does what python-json-logger would,
without another dependency to pin and follow. The id is stamped by a log-record factory, so it
reaches every handler (ours, gunicorn's, pytest's) and every logger, the app's and libraries'.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

from ..config import ConfigError

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_base_factory = logging.getLogRecordFactory()


def current_request_id() -> str:
    """The id of the request being served, or "" outside a request."""
    return g.get("request_id", "") if has_request_context() else ""


def _stamped_record(*args, **kwargs):
    record = _base_factory(*args, **kwargs)
    record.request_id = current_request_id()
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        entry.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD and k != "request_id"}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def formatter(kind: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT `kind` ("json" or "text")."""
    if kind not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {kind!r}")
    if kind == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def configure(app) -> None:
    """One stderr handler on the root logger in the configured format; the app at LOG_LEVEL."""
    chosen = formatter(app.config["LOG_FORMAT"])
    if logging.getLogRecordFactory() is not _stamped_record:
        logging.setLogRecordFactory(_stamped_record)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(chosen)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: warnings and errors only
    logging.getLogger("marketplace").setLevel(app.config["LOG_LEVEL"])
