"""The audit log (/admin/audit_log/): read-only for everyone, filterable."""
import json
import re
from datetime import datetime
from functools import cache

from flask import current_app, has_app_context
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..auth import current_role
from ..extensions import db
from ..formatting import format_datetime, mask_mobile
from ..models import AuditLog, User
from ..permissions import sees_contact_details
from .base import FreshFilterOptions, SecureModelView

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "soft_delete": _l("Deleted (recoverable)"),
    "restore": _l("Restored"),
    "delete": _l("Deleted permanently"),
    "restore_backup": _l("Restored from a backup"),
}
SOURCES = {
    "web": _l("Web"),
    "cli": _l("Command line"),
    "import": _l("Import"),
    "system": _l("System"),
}
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _screens() -> list[SecureModelView]:
    return [v for v in current_app.extensions["admin"][0]._views if isinstance(v, SecureModelView)]


def _screen(table: str) -> SecureModelView | None:
    """The screen that shows `table`'s records, for its names and labels."""
    return next((v for v in _screens() if v.model.__tablename__ == table), None)


def _user_options():
    if not has_app_context():  # Flask-Admin also asks once, at start-up
        return []
    names = db.session.scalars(
        select(User.username).order_by(User.username).execution_options(include_deleted=True)
    )
    return [(name, name) for name in names]


# Records audited without a screen of their own.
UNSHOWN_RECORDS = {"login_attempt": _l("Sign-in attempts"), "database": _l("Database")}


def _record_type_options():
    if not has_app_context():
        return []
    return [(view.model.__tablename__, str(view.name)) for view in _screens()] + [
        (table, str(name)) for table, name in UNSHOWN_RECORDS.items()]


def _display(screen, field: str, value):
    """A value kept in an audit row, as its screen would show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = screen._column_choices_map.get(field, {}) if screen else {}
    if isinstance(value, str | int) and value in choices:
        return choices[value]
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return format_datetime(datetime.fromisoformat(value))
    return value


# What entries without a screen note: seed-demo's bulk rows ({"bulk_rows": n}), a
# restore's backup (cli.py).
ENTRY_NOTES = {
    "bulk_rows": _l("Rows written at once"), "backup": _l("Backup file"),
    "kept_aside": _l("The replaced database, kept as"), "revision": _l("Database revision"),
}


@cache
def _record_class(table: str):
    return next((mapper.class_ for mapper in db.Model.registry.mappers
                 if mapper.local_table.name == table), None)


def _changes(entry: AuditLog):
    """(field, old, new) of each change an entry holds, as the user may see them: phone
    numbers masked for a role that sees them masked everywhere else; a value's search
    copy (older entries hold them) left out; a note that is not an (old, new) pair, as
    its new value."""
    record = _record_class(entry.model)
    derived = getattr(record, "__audit_derived__", frozenset())
    masked = (frozenset() if sees_contact_details(current_role())
              else getattr(record, "__contact_details__", frozenset()))
    for field, change in sorted((entry.changes or {}).items()):
        if field in derived:
            continue
        pair = isinstance(change, list | tuple) and len(change) == 2
        old, new = change if pair else (None, change)
        if field in masked:
            old, new = mask_mobile(old), mask_mobile(new)
        yield field, old, new


def _changes_formatter(view, context, model, name):
    screen = _screen(model.model)
    labels = {**ENTRY_NOTES, **(screen.column_labels if screen else {})}
    rows = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td><td>→</td><td>{}</td></tr>").format(
            labels.get(field, field), _display(screen, field, old), _display(screen, field, new)
        )
        for field, old, new in _changes(model)
    )
    return Markup('<table class="table table-sm audit-changes mb-0">{}</table>').format(rows)


def _changes_text(view, context, model, name):
    return json.dumps({field: [old, new] for field, old, new in _changes(model)},
                      ensure_ascii=False)


def _model_formatter(view, context, model, name):
    screen = _screen(model.model)
    return str(screen.name) if screen else str(UNSHOWN_RECORDS.get(model.model, model.model))


class AuditLogAdmin(FreshFilterOptions, SecureModelView):
    area = "audit"
    creatable = editable = deletable = False
    column_list = ("at", "username", "source", "action", "model", "record_id", "changes")
    column_details_list = (
        "at", "username", "source", "ip", "action", "model", "record_id", "changes"
    )
    column_export_list = column_details_list
    column_filters = (
        filters.FilterEqual(AuditLog.username, _l("User"), options=_user_options),
        filters.FilterEqual(AuditLog.model, _l("Record type"), options=_record_type_options),
        filters.FilterEqual(AuditLog.record_id, _l("Record number")),
        filters.FilterEqual(AuditLog.action, _l("Action"), options=list(ACTIONS.items())),
        filters.DateTimeBetweenFilter(AuditLog.at, _l("Time")),
        filters.DateTimeGreaterFilter(AuditLog.at, _l("Time")),
        filters.DateTimeSmallerFilter(AuditLog.at, _l("Time")),
    )
    column_sortable_list = ("at",)
    column_default_sort = ("id", True)
    column_labels = {
        "at": _l("Time"),
        "username": _l("User"),
        "source": _l("Source"),
        "ip": _l("IP address"),
        "action": _l("Action"),
        "model": _l("Record type"),
        "record_id": _l("Record number"),
        "changes": _l("Changes (old → new)"),
    }
    column_choices = {"action": list(ACTIONS.items()), "source": list(SOURCES.items())}
    column_formatters = {"changes": _changes_formatter, "model": _model_formatter}
    column_formatters_detail = column_formatters
    column_formatters_export = {"changes": _changes_text, "model": _model_formatter}
