"""The audit trail and soft delete, enforced in the ORM session for every writer.

Screens, the CLI and imports all write through SQLAlchemy sessions, so hooking the
session is the one place that sees every change: each flush writes its audit rows
in the same transaction, and every query hides soft-deleted rows unless it asks for
them with `.execution_options(include_deleted=True)`.
"""
import contextvars
import enum
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria

from . import clock
from .extensions import db
from .models import AuditLog, SoftDeleteMixin

REDACTED = "***"
# Bookkeeping columns that change on every save and say nothing to a reader.
_QUIET = frozenset({"version", "created_at", "updated_at"})


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str | None = None
    source: str = "system"
    ip: str | None = None


_override: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "audit_actor", default=None
)


@contextmanager
def acting_as(**fields):
    """Attribute the changes made inside to someone, e.g. source="cli" or "import"."""
    token = _override.set({**(_override.get() or {}), **fields})
    try:
        yield
    finally:
        _override.reset(token)


def remember_user(user) -> None:
    """Note the signed-in user for this request (auth calls it as the user loads)."""
    g.audit_user = (user.id, user.username)


def current_actor() -> Actor:
    actor = Actor()
    if has_request_context():
        user_id, username = g.get("audit_user", (None, None))
        actor = Actor(user_id, username, "web", request.remote_addr)
    override = _override.get()
    return replace(actor, **override) if override else actor


def record(model: str, action: str, changes: dict, record_id: str = "*") -> None:
    """An entry for what is no record's change (a restore), by the current actor; added
    to the session."""
    actor = current_actor()
    db.session.add(AuditLog(at=clock.now(), user_id=actor.user_id, username=actor.username,
                            source=actor.source, ip=actor.ip, model=model,
                            record_id=record_id, action=action, changes=changes))


def is_audited(obj) -> bool:
    return getattr(type(obj), "__audit__", True) and hasattr(obj, "__table__")


def jsonable(value):
    """A value as it can be kept in the audit row's JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _columns(obj):
    mapper = inspect(obj).mapper
    redacted = getattr(type(obj), "__audit_redacted__", frozenset())
    # the key is the record number; derived columns (a reversed copy kept for searches)
    # follow their source
    left_out = {mapper.get_property_by_column(c).key for c in mapper.primary_key}
    left_out |= _QUIET | getattr(type(obj), "__audit_derived__", frozenset())
    for attr in mapper.column_attrs:
        if attr.key not in left_out:
            yield attr.key, attr.key in redacted


def _snapshot(obj, *, new: bool) -> dict:
    changes = {}
    for key, redacted in _columns(obj):
        value = getattr(obj, key)
        if value is None:
            continue
        value = REDACTED if redacted else jsonable(value)
        changes[key] = [None, value] if new else [value, None]
    return changes


def _diff(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for key, redacted in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        changes[key] = [REDACTED, REDACTED] if redacted else [jsonable(old), jsonable(new)]
    return changes


def _update_action(obj, changes: dict) -> str:
    if isinstance(obj, SoftDeleteMixin) and "deleted_at" in changes:
        return "soft_delete" if changes["deleted_at"][1] else "restore"
    return "update"


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context) -> None:
    entries = []
    for obj in session.new:
        if is_audited(obj):
            entries.append((obj, "create", _snapshot(obj, new=True)))
    for obj in session.dirty:
        if is_audited(obj) and session.is_modified(obj, include_collections=False):
            changes = _diff(obj)
            if changes:
                entries.append((obj, _update_action(obj, changes), changes))
    for obj in session.deleted:
        if is_audited(obj):
            entries.append((obj, "delete", _snapshot(obj, new=False)))
    if not entries:
        return
    actor = current_actor()
    at = clock.now()
    rows = [
        {
            "at": at,
            "user_id": actor.user_id,
            "username": actor.username,
            "source": actor.source,
            "ip": actor.ip,
            "model": obj.__tablename__,
            "record_id": ",".join(
                str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj)
            ),
            "action": action,
            "changes": changes,
        }
        for obj, action, changes in entries
    ]
    session.connection().execute(AuditLog.__table__.insert(), rows)


def live_only(statement, model):
    """`statement` (made once, run on every page) with `model`'s deleted rows left out
    by itself: the hook below adds its condition at each execution, a new statement
    every time, which SQLAlchemy's cache of compiled SQL then keys anew."""
    if not issubclass(model, SoftDeleteMixin):
        return statement
    return statement.where(model.deleted_at.is_(None)).execution_options(
        include_deleted=True)


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted_and_guard_bulk(state) -> None:
    if state.is_select:
        if (
            not state.is_column_load
            and not state.is_relationship_load
            and not state.execution_options.get("include_deleted", False)
        ):
            state.statement = state.statement.options(
                with_loader_criteria(
                    SoftDeleteMixin,
                    lambda cls: cls.deleted_at.is_(None),
                    include_aliases=True,
                )
            )
    elif (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and getattr(state.bind_mapper.class_, "__audit__", True)
    ):
        # A bulk UPDATE/DELETE skips the flush, and so the audit trail.
        raise RuntimeError(
            f"bulk write to {state.bind_mapper.class_.__name__} bypasses the audit trail"
        )


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _audit_rows_are_final(mapper, connection, target) -> None:
    raise RuntimeError("audit rows cannot be changed or deleted")
