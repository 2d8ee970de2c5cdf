"""The audit log (/admin/audit_log/): read-only for everyone, filterable."""
import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .base import SecureModelView

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "soft_delete": _l("Deleted (recoverable)"),
    "restore": _l("Restored"),
    "delete": _l("Deleted permanently"),
}
SOURCES = {
    "web": _l("Web"),
    "cli": _l("Command line"),
    "import": _l("Import"),
    "system": _l("System"),
}


def _changes_formatter(view, context, model, name):
    labels = view.field_labels(model.model)
    rows = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td><td>→</td><td>{}</td></tr>").format(
            labels.get(field, field),
            "" if old is None else old,
            "" if new is None else new,
        )
        for field, (old, new) in sorted((model.changes or {}).items())
    )
    return Markup('<table class="table table-sm audit-changes mb-0">{}</table>').format(rows)


def _changes_text(view, context, model, name):
    return json.dumps(model.changes or {}, ensure_ascii=False)


def _model_formatter(view, context, model, name):
    return view.model_label(model.model)


class AuditLogAdmin(SecureModelView):
    area = "audit"
    creatable = editable = deletable = False
    column_list = ("at", "username", "source", "action", "model", "record_id", "changes")
    column_details_list = (
        "at", "username", "source", "ip", "action", "model", "record_id", "changes"
    )
    column_export_list = column_details_list
    column_filters = ("username", "model", "record_id", "action", "at")
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
    column_formatters_export = {
        "changes": _changes_text,
        "model": _model_formatter,
    }

    def _screen(self, table: str):
        """The screen that shows `table`'s records, for its labels."""
        for view in self.admin._views:
            if getattr(getattr(view, "model", None), "__tablename__", None) == table:
                return view
        return None

    def field_labels(self, table: str) -> dict:
        screen = self._screen(table)
        return dict(screen.column_labels or {}) if screen else {}

    def model_label(self, table: str) -> str:
        screen = self._screen(table)
        return str(screen.name) if screen else table
