"""The audit log (/admin/audit_log/): read-only for everyone, filterable."""
import re
from datetime import datetime
from functools import cache

from flask import current_app, g, has_app_context
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..auth import current_role
from ..extensions import db
from ..formatting import colon, format_datetime, mask_mobile
from ..models import AuditLog, User
from ..permissions import sees_contact_details
from .appointments import STATUS_LABELS as APPOINTMENT_STATUS_LABELS
from .base import FreshFilterOptions, SecureModelView
from .checklists import (
    CONSENT_LABELS,
    OLD_PARTS_LABELS,
    PAYMENT_LABELS,
    STEP_FORMS,
    WARRANTY_LABELS,
    WORK_KIND_LABELS,
    ExtraWorkForm,
    HandoverForms,
)
from .common import form_labels
from .followups import CALL_STATUS_LABELS
from .parts import STATE_LABELS as ORDER_STATE_LABELS
from .safety import ANSWER_LABELS, GROUP_LABELS, SERVICE_LABELS
from .safety import AREA_LABELS as SAFETY_AREA_LABELS

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
UNSHOWN_RECORDS = {
    "login_attempt": _l("Sign-in attempts"), "database": _l("Database"),
    "amendment": _l("Amendments"), "attendance": _l("Attendance"),
    "corrective_action": _l("Corrective actions"), "equipment_service": _l("Equipment service"),
    "extra_work": _l("Extra work items"), "inspection_answer": _l("Inspection answers"),
    "inspection_item": _l("Inspection items"), "invitation": _l("Invitations"),
    "parts_order_line": _l("Parts order lines"), "setting": _l("Settings"),
}
# The fields an entry may hold that their screen's columns do not name (a record's
# references, a checklist's steps), or of records without a screen; then the labels of
# values their screen does not list. A screen's column_labels and column_choices, and
# those of its inline records, name the rest; a reference "x_id" is named after "x".
FIELD_LABELS = {
    "amendment": {"field": _l("Field"), "old_value": _l("Old value"),
                  "new_value": _l("New value"), "reason": _l("Reason"),
                  "made_by": _l("Made by")},
    "appointment": {"booked_by": _l("Booked by"), "confirmed_at": _l("Confirmed"),
                    "confirmed_by": _l("Confirmed by"), "cancelled_at": _l("Cancelled"),
                    "no_show_call": _l("No-show call")},
    "attendance": {"session": _l("Training session"), "employee": _l("Employee"),
                   "hours": _l("Hours"), "score": _l("Score"), "passed": _l("Passed")},
    "equipment_service": {"equipment": _l("Equipment"), "kind": _l("Kind"),
                          "done_on": _l("Done on"), "done_by": _l("Done by"),
                          "notes": _l("Notes")},
    "event": {"invited_count": _l("Invited")},
    "extra_work": {**form_labels(ExtraWorkForm), "consent_how": _l("How the customer agreed"),
                   "consent_by": _l("Who agreed"), "consent_at": _l("Agreed at"),
                   "consent_taken_by": _l("Consent recorded by"),
                   "declined": _l("The customer declined"), "done_at": _l("Done")},
    "handover": {**form_labels(*(f for f in vars(HandoverForms).values() if isinstance(f, type))),
                 "reception": _l("Reception record"), "steps_done": _l("Steps done"),
                 "belongings_found": _l("Belongings checked"),
                 "differences": _l("Differences"), "signature": _l("Signature"),
                 "signed_by_name": _l("Signed by"), "quality_checked_at": _l("Checked at"),
                 "guarantee_km": _l("Guarantee (km)")},
    "hazard": {"answer": _l("Inspection answer"), "evidence_photo": _l("Photo")},
    "inspection_answer": {"inspection": _l("Inspection"), "item": _l("Item"),
                          "group": _l("Group"), "text": _l("Item"), "result": _l("Check result"),
                          "note": _l("Note"), "photo": _l("Photo")},
    "invitation": {"event": _l("Event"), "customer": _l("Customer")},
    "login_attempt": {"at": _l("Time"), "username": _l("Username"),
                      "address": _l("IP address"), "outcome": _l("Outcome")},
    "parts_order_line": {"order": _l("Parts order"), "part": _l("Part"),
                         "quantity": _l("Quantity"), "unit_price": _l("Unit price")},
    "reception": {**form_labels(*STEP_FORMS.values()), "steps_done": _l("Steps done"),
                  "damages": _l("Exterior check"), "belongings": _l("Valuables and accessories"),
                  "signature": _l("Signature"), "signed_by_name": _l("Signed by")},
    "safety_inspection": {"notes": _l("Notes"), "signed_at": _l("Signed"),
                          "signed_by": _l("Signed by")},
    "setting": {"key": _l("Setting"), "value": _l("Value")},
    "summary": {"figures": _l("Figures"), "filed_by": _l("Filed by")},
    "substitution": {"absent_agent": _l("Absent agent"), "substitute": _l("Substitute")},
}
# What a reference names where its record's screen does not (the lowest priority).
REFERENCE_LABELS = {
    "accident": _l("Accident"), "appointment": _l("Appointment"), "complaint": _l("Complaint"),
    "invitation": _l("Invitation"), "order_line": _l("Parts order line"),
    "reception": _l("Reception record"), "template": _l("Template"), "visit": _l("Visit"),
}
VALUE_LABELS = {
    "accident": {"area": SAFETY_AREA_LABELS},
    "appointment": {"status": APPOINTMENT_STATUS_LABELS},
    "equipment": {"area": SAFETY_AREA_LABELS},
    "equipment_service": {"kind": SERVICE_LABELS},
    "extra_work": {"consent_how": CONSENT_LABELS},
    "follow_up_call": {"status": CALL_STATUS_LABELS},
    "handover": {"old_parts": OLD_PARTS_LABELS, "payment_method": PAYMENT_LABELS,
                 "work_kind": WORK_KIND_LABELS},
    "hazard": {"area": SAFETY_AREA_LABELS},
    "inspection_answer": {"group": GROUP_LABELS, "result": ANSWER_LABELS},
    "inspection_item": {"group": GROUP_LABELS},
    "login_attempt": {"outcome": {
        "succeeded": _l("Signed in"), "failed": _l("Wrong username or password"),
        "locked": _l("Refused: too many failed attempts"),
    }},
    "parts_order": {"state": ORDER_STATE_LABELS},
    "reception": {"warranty_decision": WARRANTY_LABELS},
    "safety_inspection": {"area": SAFETY_AREA_LABELS},
}


def _record_type_options():
    if not has_app_context():
        return []
    return [(view.model.__tablename__, str(view.name)) for view in _screens()] + [
        (table, str(name)) for table, name in UNSHOWN_RECORDS.items()]


def _display(choices: dict, value):
    """A value kept in an audit row, as its screen would show it (`choices`: its field's
    value labels)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
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


def _names(table: str) -> tuple[dict, dict]:
    """The labels of a record's fields, and those of their values, as its screen (or
    the screen it is part of) names them; gathered once per request and record type."""
    kept = g.setdefault("audit_names", {})
    if table not in kept:
        kept[table] = _gathered_names(table)
    return kept[table]


def _gathered_names(table: str) -> tuple[dict, dict]:
    labels, choices = {**REFERENCE_LABELS, **ENTRY_NOTES}, {}
    for screen in _screens():
        if screen.model.__tablename__ == table:
            labels.update(screen.column_labels or {})
            choices.update(screen._column_choices_map)
        for model, options in (i for i in screen.inline_models or () if isinstance(i, tuple)):
            if model.__tablename__ == table:
                labels.update(options.get("column_labels", {}))
    labels.update(FIELD_LABELS.get(table, {}))
    choices.update(VALUE_LABELS.get(table, {}))
    return labels, choices


def _field_label(labels: dict, field: str):
    if field in labels:
        return labels[field]
    if field.endswith("_id") and field[:-3] in labels:
        return _("%(name)s (record number)", name=labels[field[:-3]])
    return field


def _named_changes(entry: AuditLog):
    """(label, old, new) of each change, as the screens name the fields and values."""
    labels, choices = _names(entry.model)
    for field, old, new in _changes(entry):
        values = choices.get(field, {})
        yield _field_label(labels, field), _display(values, old), _display(values, new)


def _changes_formatter(view, context, model, name):
    rows = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td><td>→</td><td>{}</td></tr>").format(*change)
        for change in _named_changes(model)
    )
    return Markup('<table class="table table-sm audit-changes mb-0">{}</table>').format(rows)


def _changes_text(view, context, model, name):
    """The changes in an export's cell, a line each: 结果：→ 登录成功."""
    return "\n".join(colon(label) + (f"{old} → {new}" if old != "" else f"→ {new}")
                      for label, old, new in _named_changes(model))


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
