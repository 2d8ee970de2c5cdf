"""Figures derived from a whole area's data, kept by each process while that data is
unchanged: every transaction that changes the area writes a new random token
(DataRevision, in the same transaction), and a kept figure is used only while the
token it was made under is the one the database holds.

A token is never reused, so a figure kept under it describes exactly the data that
token marks: a rolled back change takes its token with it; the data of a restored
backup comes with the token written with it. Each app server checks the token on
every use, so one server's change is seen by all at their next request.

Every change of an audited model goes through the session's flush (audit.py refuses
bulk UPDATE and DELETE), and so past the hook below. Bulk inserts that skip the
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


def kept(area: str, key, compute: Callable):
    """compute(), or what it gave before under `key` while the area is unchanged since.
    (The token is read first, flushing this transaction's changes and so writing its
    own token: what is computed next is at least as new as the token it is kept under.)"""
    token = db.session.scalar(select(DataRevision.token).where(DataRevision.area == area))
    store = current_app.extensions.setdefault("revisions", {})
    if token is not None and store.get(area, (None,))[0] == (token, key):
        return store[area][1]
    value = compute()
    if token is not None:
        store[area] = ((token, key), value)
    return value


def changed(connection, area: str) -> None:
    """Mark the area's data changed, in the transaction of `connection`."""
    table, token = DataRevision.__table__, uuid.uuid4().hex
    if not connection.execute(update(table).where(table.c.area == area)
                              .values(token=token)).rowcount:
        connection.execute(insert(table).values(area=area, token=token))


@event.listens_for(Session, "after_flush")
def _mark_changed_areas(session: Session, flush_context) -> None:
    touched = list(chain(session.new, session.dirty, session.deleted))
    for area, models in AREAS.items():
        if any(isinstance(obj, models) for obj in touched):
            changed(session.connection(), area)
