"""Reservations by outcome, observed rather than called from the use cases: a new reservation or a
status change is noted when the session flushes and counted when its transaction commits (a
rolled-back change is never counted). A reservation written outside the unit of work (the
reserve step, services/reserving.py, for speed) is noted by that step with `note_created`.
Refusals are counted where a use case is called."""

from contextlib import contextmanager

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..errors import DomainError
from ..models.reservations import Reservation
from .metrics import RESERVATIONS

_KEY = "kera_reservation_outcomes"
_listening = False


def listen() -> None:
    """Attach the observer to every ORM session (once per process)."""
    global _listening
    if _listening:
        return
    sa.event.listen(so.Session, "after_flush", _noted)
    sa.event.listen(so.Session, "after_commit", _counted)
    sa.event.listen(so.Session, "after_rollback", _forgotten)
    _listening = True


def _noted(session, flush_context) -> None:
    outcomes = session.info.setdefault(_KEY, [])
    outcomes.extend("created" for obj in session.new if isinstance(obj, Reservation))
    for obj in session.dirty:
        if isinstance(obj, Reservation):
            added = sa.inspect(obj).attrs.status.history.added
            if added and added[0] is not None:
                outcomes.append(str(getattr(added[0], "value", added[0])))


def note_created(session) -> None:
    """A reservation inserted without a flush: counted when the transaction commits."""
    session.info.setdefault(_KEY, []).append("created")


def _counted(session) -> None:
    for outcome in session.info.pop(_KEY, ()):
        RESERVATIONS.labels(outcome, "").inc()


def _forgotten(session) -> None:
    session.info.pop(_KEY, None)


@contextmanager
def refusals():
    """Around a reserve use case: count a refusal by its error code, then let it propagate."""
    try:
        yield
    except DomainError as exc:
        RESERVATIONS.labels("refused", exc.code).inc()
        raise
