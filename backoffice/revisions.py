"""Figures derived from a whole area's data, kept by each process while that data is
unchanged: every transaction that changes the area writes a new random token as it
commits (DataRevision, in the same transaction), and a kept figure is used only while
the token it was made under is the one the database holds.

A token is never reused, so a figure kept under it describes exactly the data that
token marks: the data of a restored backup comes with the token written with it. Each
app server checks the token on every use, so one server's change is seen by all at
their next request. The token is written last, just before the commit, so that its row
is locked only for that moment: two transactions that change an area wait for each
other only there, never while either holds other rows the other needs.

Every change of an audited model goes through the session's flush (audit.py refuses
bulk UPDATE and DELETE), and so past the hooks below. Bulk inserts that skip the
session (the large demo data, scale.py) call `changed` themselves."""
import uuid
from collections.abc import Callable
from itertools import chain

from flask import current_app
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from .extensions import db
from .models import (
    Attendance,
    Certificate,
    DataRevision,
    Employee,
    Setting,
    TrainingRequirement,
    TrainingSession,
)

# What each area's figures are derived from.
AREAS = {
    "training": (Employee, Attendance, TrainingSession, Certificate, TrainingRequirement,
                 Setting),
}
_CHANGED = "revisions_changed"  # session.info: the areas this transaction changed


def kept(area: str, key, compute: Callable):
    """compute(), or what it gave before under `key` while the area is unchanged since;
    not kept by a transaction that changes the area (it has not written its token yet,
    and may be rolled back)."""
    token = db.session.scalar(select(DataRevision.token).where(DataRevision.area == area))
    if token is None or area in db.session.info.get(_CHANGED, ()):
        return compute()
    store = current_app.extensions.setdefault("revisions", {})
    if store.get(area, (None,))[0] != (token, key):
        store[area] = ((token, key), compute())
    return store[area][1]


def changed(connection, area: str) -> None:
    """Mark the area's data changed, in the transaction of `connection`."""
    table, token = DataRevision.__table__, uuid.uuid4().hex
    if not connection.execute(update(table).where(table.c.area == area)
                              .values(token=token)).rowcount:
        connection.execute(insert(table).values(area=area, token=token))


@event.listens_for(Session, "after_flush")
def _note_changed_areas(session: Session, flush_context) -> None:
    touched = list(chain(session.new, session.dirty, session.deleted))
    for area, models in AREAS.items():
        if any(isinstance(obj, models) for obj in touched):
            session.info.setdefault(_CHANGED, set()).add(area)


@event.listens_for(Session, "before_commit")
def _write_tokens(session: Session) -> None:
    session.flush()  # (the commit flushes what is pending only after this hook)
    for area in session.info.pop(_CHANGED, ()):
        changed(session.connection(), area)


@event.listens_for(Session, "after_rollback")
def _forget_changed_areas(session: Session) -> None:
    session.info.pop(_CHANGED, None)
