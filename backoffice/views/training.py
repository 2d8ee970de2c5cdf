"""Training (培训): employees, sessions and their class scores, requirements, certificates,
the competency matrix, and what is due on the home page (DOMAIN.md "Training").

What is required, when a certificate lapses and who may not work a trade are worked
out in training.py; these screens record and show it.
"""
import io
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import groupby
from operator import attrgetter

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_admin.model.template import LinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import FileField, validators
from wtforms.validators import ValidationError

from .. import clock, files, settings, training, xlsx
from ..auth import current_role
from ..extensions import db
from ..formatting import content_disposition, escape_formula, format_date, listing, marks
from ..models import (
    CERTIFICATE_KINDS,
    TRADES,
    TRAINING_KINDS,
    TRAINING_METHODS,
    Attendance,
    Certificate,
    Employee,
    StoredFile,
    TrainingSession,
    User,
)
from ..pdf import pdf_response, render_pdf
from ..permissions import allowed
from ..rules import check_labels
from ..search import starts_with
from .base import STALE_MESSAGE, FreshFilterOptions, SecureBaseView, SecureModelView, screen
from .common import OptionFilter, SearchLoader, badge, fresh_options, not_in_future
from .followups import MultiCheckboxField
from .home import DueItem, due_items

KIND_LABELS = {
    "onboarding": _l("Onboarding training"), "periodic": _l("Periodic training"),
    "technical": _l("Technical training"), "service_skill": _l("Service skills training"),
    "customer_service": _l("Customer service training"), "safety": _l("Safety training"),
    "management": _l("Management training"),
}
METHOD_LABELS = {
    "classroom": _l("Classroom"), "online": _l("Online"), "on_the_floor": _l("On the floor"),
    "mentoring": _l("Mentoring"),
}
TRADE_LABELS = {
    "electrician": _l("Electrician"), "welder": _l("Welder"),
    "pressure_vessel": _l("Pressure vessel operator"), "forklift": _l("Forklift driver"),
    "height_work": _l("Work at height"), "painter": _l("Painter"),
}
# What a trade's special operations certificate allows (不得从事电工作业).
TRADE_WORK_LABELS = {
    "electrician": _l("electrical work"), "welder": _l("welding and hot cutting"),
    "pressure_vessel": _l("pressure vessel operation"), "forklift": _l("forklift driving"),
    "height_work": _l("work at height"), "painter": _l("painting work"),
}
CERTIFICATE_KIND_LABELS = {
    "special_operations": _l("Special operations certificate"),
    "vocational": _l("Vocational qualification"),
    "quality_inspector": _l("Quality inspector certificate"), "other": _l("Other certificate"),
}
EMPLOYEE_STATUS_LABELS = {"active": _l("Employed"), "left": _l("Has left")}
STATUS_LABELS = {
    "valid": _l("Valid"), "due_soon": _l("Due soon"), "expired": _l("Expired"),
    "missing": _l("Missing"),
}
STATUS_BADGES = {"valid": "success", "due_soon": "warning", "expired": "danger",
                 "missing": "dark"}
FLAG_REASONS = {
    "missing": _l("no certificate"), "expired": _l("certificate expired"),
    "review_overdue": _l("certificate not reviewed"),
}
REMINDER_LABELS = {
    "expired": _l("Expired"), "review_overdue": _l("Review overdue"),
    "7": _l("7-day reminder"), "30": _l("30-day reminder"), "60": _l("60-day reminder"),
    "90": _l("90-day reminder"),
}
TRAINING_FILTER_LABELS = {
    "gaps": _l("Required training missing or expired"),
    "due_soon": _l("Required training due soon"),
    "not_allowed": _l("Not allowed to work a special trade"),
}
check_labels(KIND_LABELS, TRAINING_KINDS)
check_labels(METHOD_LABELS, TRAINING_METHODS)
check_labels(TRADE_LABELS, TRADES)
check_labels(TRADE_WORK_LABELS, TRADES)
check_labels(CERTIFICATE_KIND_LABELS, CERTIFICATE_KINDS)
check_labels(STATUS_LABELS, training.STATUSES)

SCORE_MAX = Decimal("100")
HOURS_MAX = Decimal("999.9")
HOME_FLAGS = 12  # flags listed one by one on the home page; more are counted
_XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_FILLS = {
    "valid": "C6EFCE", "due_soon": "FFEB9C", "expired": "FFC7CE", "missing": "D9D9D9",
}


def status_badge(status: str) -> Markup:
    return badge(STATUS_BADGES[status], STATUS_LABELS[status])


def requirement_label(req: training.Requirement) -> str:
    """What a requirement asks, as a column heading: 安全培训（每12个月）."""
    name = req.title or str(KIND_LABELS.get(req.kind, req.kind))
    parts = []
    if req.within_days is not None:
        parts.append(_("within %(days)d days of hire", days=req.within_days))
    if req.every_months is not None:
        parts.append(_("every %(months)d months", months=req.every_months))
    if not parts:
        return name
    mark = marks()
    return f"{name}{mark['open']}{mark['comma'].join(parts)}{mark['close']}"


def certificate_state_text(state: training.CertificateState) -> str:
    """Valid, or what is due when: 复审日期 2027-01-10（还有30天）."""
    if state.state == "expired":
        return _("Expired on %(day)s", day=state.due_on)
    if state.state == "review_overdue":
        return _("Review overdue since %(day)s", day=state.due_on)
    if state.state == "due_soon":
        days = (state.due_on - clock.today()).days
        if state.event == "review":
            return _("Review due %(day)s (in %(days)d days)", day=state.due_on, days=days)
        return _("Expires %(day)s (in %(days)d days)", day=state.due_on, days=days)
    return str(STATUS_LABELS["valid"])


def certificate_badge(cert: Certificate) -> Markup:
    state = training.certificate_state(cert, clock.today())
    css, row = {"valid": ("success", ""), "due_soon": ("warning", "certificate-due")}.get(
        state.state, ("danger", "certificate-lapsed"))
    return Markup('<span class="badge badge-{} {}">{}</span>').format(
        css, row, certificate_state_text(state))


def certificate_title(cert: Certificate) -> str:
    kind = str(CERTIFICATE_KIND_LABELS.get(cert.kind, cert.kind))
    if cert.trade:
        mark = marks()
        return f"{kind}{mark['open']}{TRADE_LABELS.get(cert.trade, cert.trade)}{mark['close']}"
    return kind


def employee_search(term: str):
    """Name or employee number prefix (both indexed)."""
    term = unicodedata.normalize("NFKC", term or "").strip()
    if not term:
        return None
    return or_(starts_with(Employee.name, term), starts_with(Employee.number, term.upper()))


def employee_label(employee: Employee) -> str:
    return " ".join(p for p in (employee.name, employee.number, employee.department or "") if p)


def _upload(form, name: str):
    """The file uploaded in the form's `name` field, or None."""
    upload = request.files.get(name)
    return upload if upload and upload.filename else None


def _check_upload(form, name: str) -> bool:
    """Refuse a file on the form before anything is saved, for files.store's reasons:
    a scan or training materials is a photo or a PDF, by its content."""
    upload = _upload(form, name)
    if upload is None:
        return True
    data = upload.read()
    upload.stream.seek(0)
    try:
        files.check(data, files.DOCUMENTS)
    except files.FileRefused as error:
        form[name].errors.append(str(error))
        return False
    return True


def _store_upload(form, name: str, purpose: str) -> int | None:
    upload = _upload(form, name)
    if upload is None:
        return None
    try:
        stored = files.store(upload.read(), purpose, files.DOCUMENTS)
    except files.FileRefused as error:
        raise ValidationError(str(error)) from error
    db.session.flush()
    return stored.id


def xlsx_bytes(title: str, header: list, rows, fills: list | None = None) -> bytes:
    """A sheet with typed cells: dates as dates, numbers as numbers, text escaped.
    `fills`, when given, is the status per cell of each row (for colours)."""
    # Imported here: openpyxl would be some 5 MB more of every worker's memory.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=xlsx.sheet_name(title))
    sheet.append([str(h) for h in header])
    for index, row in enumerate(rows):
        cells = []
        for column, value in enumerate(row):
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
            elif value is None or isinstance(value, int | float | Decimal):
                cell = WriteOnlyCell(sheet, value=value)
            else:
                cell = WriteOnlyCell(sheet, value=escape_formula(str(value)))
            status = fills[index][column] if fills else None
            if status in _XLSX_FILLS:
                cell.fill = PatternFill("solid", fgColor=_XLSX_FILLS[status])
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, stem: str) -> Response:
    filename = f"{stem}_{clock.today():%Y-%m-%d}.xlsx"
    return Response(data, mimetype=_XLSX_MIMETYPE,
                    headers={"Content-Disposition": content_disposition(filename)})


# -- employees ---------------------------------------------------------------------------

def _department_options():
    return [(d, d) for d in training.departments()]


def _position_options():
    return [(p, p) for p in training.positions()]


def _training_clause(value: str):
    assessment = training.assess_all()
    if value == "gaps":
        ids = assessment.training_gaps()
    elif value == "due_soon":
        ids = assessment.training_due_soon()
    else:
        ids = sorted({flag.employee.id for flag in assessment.flags()})
    return Employee.id.in_(ids)


TRAINING_FILTER = OptionFilter(Employee.id, _l("Training"), TRAINING_FILTER_LABELS,
                               _training_clause)
# The trades are a JSON list: a text match on it, fine for a table of employees.
TRADE_FILTER = OptionFilter(Employee.id, _l("Special trade"), TRADE_LABELS,
                            lambda trade: cast(Employee.trades, String).like(f'%"{trade}"%'))
DEPARTMENT_FILTER = filters.FilterEqual(Employee.department, _l("Department"),
                                        options=fresh_options(_department_options))


def _trades_text(view, context, model, name):
    return listing(str(TRADE_LABELS.get(t, t)) for t in model.trades or [])


def _training_summary(view, context, model, name):
    """The employee's required trainings and trades at a glance (assessed per page)."""
    assessment = g.get("training_page")
    if assessment is None or model.id not in assessment.trainings:
        return ""
    counts = assessment.counts(model.id)
    shown = [badge(STATUS_BADGES[s], f"{STATUS_LABELS[s]} {counts[s]}")
             for s in ("missing", "expired", "due_soon") if counts[s]]
    return Markup(" ").join(shown) if shown else status_badge("valid")


def _user_name(view, context, model, name):
    return model.user.display_name if model.user else ""


class EmployeeAdmin(FreshFilterOptions, SecureModelView):
    """The employees the trainer trains (员工), and each one's training page."""

    area = "training"
    column_list = ("number", "name", "department", "position", "hired_on", "status", "trades",
                   "training", "user")
    column_details_list = ("number", "name", "department", "position", "hired_on", "status",
                           "trades", "user", "created_at", "updated_at")
    column_export_list = ("number", "name", "department", "position", "hired_on", "status",
                          "trades", "user")
    column_searchable_list = ("name", "number")
    column_sortable_list = ("number", "name", "department", "position")
    column_default_sort = "number"
    column_labels = {
        "number": _l("Employee number"), "name": _l("Name"), "department": _l("Department"),
        "position": _l("Position"), "hired_on": _l("Hire date"), "status": _l("Status"),
        "trades": _l("Special trades"), "training": _l("Training"),
        "user": _l("User account"), "user_id": _l("User account"),
    }
    column_choices = {"status": list(EMPLOYEE_STATUS_LABELS.items())}
    column_formatters = {"trades": _trades_text, "training": _training_summary,
                         "user": _user_name}
    column_formatters_detail = {"trades": _trades_text, "user": _user_name}
    column_formatters_export = {"trades": _trades_text, "user": _user_name}
    column_filters = (
        DEPARTMENT_FILTER,
        filters.FilterEqual(Employee.position, _l("Position"),
                            options=fresh_options(_position_options)),
        filters.FilterEqual(Employee.status, _l("Status"),
                            options=list(EMPLOYEE_STATUS_LABELS.items())),
        TRAINING_FILTER,
        TRADE_FILTER,
    )
    column_extra_row_actions = [
        LinkRowAction("fa fa-file-pdf-o", "record/?id={row_id}", title=_l("Training record")),
    ]
    details_template = "training/employee_details.html"
    create_template = "training/employee_create.html"
    edit_template = "training/employee_edit.html"
    form_columns = ("number", "name", "department", "position", "hired_on", "status", "trades",
                    "user")
    form_overrides = {"trades": MultiCheckboxField}
    form_choices = {"status": list(EMPLOYEE_STATUS_LABELS.items())}
    form_args = {
        "number": {"validators": [validators.InputRequired(), validators.Length(max=32)],
                   "filters": [lambda s: s.strip().upper() if isinstance(s, str) else s]},
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)],
                 "filters": [lambda s: s.strip() if isinstance(s, str) else s]},
        "department": {"validators": [validators.Length(max=50)],
                       "filters": [lambda s: s.strip() or None if isinstance(s, str) else s]},
        "position": {"validators": [validators.Length(max=50)],
                     "filters": [lambda s: s.strip() or None if isinstance(s, str) else s],
                     "description": _l("As in the training requirements: they go by "
                                       "position.")},
        "hired_on": {"validators": [validators.InputRequired()],
                     "description": _l("Onboarding is due within the set number of days "
                                       "of this date.")},
        "status": {"default": "active"},
        "trades": {"choices": list(TRADE_LABELS.items()),
                   "description": _l("Each needs a valid special operations certificate.")},
        "user": {"query_factory": lambda: db.session.query(User).filter(User.active)
                 .order_by(User.display_name)},
    }
    form_widget_args = {"department": {"list": "departments"},
                        "position": {"list": "positions"}}

    def search_clause(self, text: str):
        return employee_search(text)

    def on_list_page(self, rows: list) -> None:
        # The page's employees, assessed together for the Training column.
        g.training_page = training.assess([e for e in rows if e.status == "active"])

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if not valid or "number" not in form:
            return valid
        editing = request.args.get("id", type=int)
        query = select(Employee).where(Employee.number == form.number.data)
        if editing:
            query = query.where(Employee.id != editing)
        existing = db.session.scalar(query.execution_options(include_deleted=True).limit(1))
        if existing:
            form.number.errors.append(Markup('{} <a href="{}">{}</a>').format(
                _("An employee with this number already exists:"),
                self.get_url(".details_view", id=existing.id), existing.name))
            valid = False
        user = form.user.data
        if user is not None:
            query = select(Employee).where(Employee.user_id == user.id)
            if editing:
                query = query.where(Employee.id != editing)
            other = db.session.scalar(query.execution_options(include_deleted=True).limit(1))
            if other:
                form.user.errors.append(_("This account belongs to %(name)s already.",
                                          name=other.name))
                valid = False
        return valid

    def render(self, template, **kwargs):
        if template in (self.create_template, self.edit_template):
            kwargs.update(departments=training.departments(), positions=training.positions())
        if template == self.details_template:
            kwargs.update(employee_context(kwargs["model"]))
        return super().render(template, **kwargs)

    @expose("/record/")
    def record_view(self):
        """The employee's training record (培训档案), as a PDF."""
        employee = db.session.get(Employee, request.args.get("id", type=int) or 0)
        if employee is None:
            abort(404)
        data = render_pdf("pdf/training_record.html", **employee_context(employee),
                          printed_on=clock.today())
        return pdf_response(data, _("Training record") + f"_{employee.name}.pdf")


def employee_context(employee: Employee) -> dict:
    """What an employee's page and training record show (five queries)."""
    assessment = training.assess([employee]) if employee.status == "active" else None
    history = db.session.scalars(
        select(Attendance).join(TrainingSession, Attendance.session)
        .where(Attendance.employee_id == employee.id)
        .options(contains_eager(Attendance.session))
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
    ).all()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.employee_id == employee.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    ).all()
    current = {c.id for c in training.current_certificates(certificates)}
    rows = []
    if assessment is not None:
        rows = [(requirement_label(r), assessment.trainings[employee.id][r.key])
                for r in assessment.requirements if r.key in assessment.trainings[employee.id]]
    return {
        "employee": employee, "assessment": assessment, "requirement_rows": rows,
        "trade_cells": assessment.trades.get(employee.id, {}) if assessment else {},
        "flags": assessment.flags() if assessment else [],
        "history": history, "certificates": certificates, "current_ids": current,
        "total_hours": sum((a.hours or Decimal(0)) for a in history),
        "kinds": KIND_LABELS, "methods": METHOD_LABELS, "trades": TRADE_LABELS,
        "trade_work": TRADE_WORK_LABELS, "flag_reasons": FLAG_REASONS,
        "statuses": STATUS_LABELS, "badges": STATUS_BADGES,
        "employee_statuses": EMPLOYEE_STATUS_LABELS,
        "certificate_title": certificate_title, "certificate_badge": certificate_badge,
        "certificate_text": lambda c: certificate_state_text(
            training.certificate_state(c, clock.today())),
        "may_add_certificate": allowed(current_role(), "training", "W"),
    }


# -- training sessions and the class's scores ----------------------------------------------

def _attendance_summary(view, context, model, name):
    assessed = [a for a in model.attendances if a.passed is not None]
    passed = sum(1 for a in assessed if a.passed)
    return f"{passed} / {len(assessed)}" if assessed else ""


def _materials_link(view, context, model, name):
    if not model.materials_id:
        return ""
    return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(
        url_for("training_session.materials_view", id=model.id), _("Open"))


SESSION_DEPARTMENT_FILTER = OptionFilter(
    TrainingSession.id, _l("Department"), _department_options,
    lambda department: TrainingSession.id.in_(
        select(Attendance.session_id).join(Employee, Attendance.employee)
        .where(Employee.department == department)
    ),
)


class TrainingSessionAdmin(FreshFilterOptions, SecureModelView):
    """The training register (培训记录): sessions, who attended, hours and exam scores."""

    area = "training"
    column_list = ("held_on", "title", "kind", "method", "hours", "trainer", "attendees",
                   "results", "materials")
    column_details_list = ("held_on", "title", "kind", "method", "hours", "trainer",
                           "content", "pass_mark", "attendees", "results", "materials",
                           "created_at", "updated_at")
    column_export_list = ("held_on", "title", "kind", "method", "hours", "trainer",
                          "content", "pass_mark", "attendees", "results")
    column_searchable_list = ("title",)
    column_sortable_list = ("held_on", "kind")
    column_default_sort = ("held_on", True)
    column_labels = {
        "held_on": _l("Date"), "title": _l("Training title"), "kind": _l("Training type"),
        "method": _l("Training method"), "hours": _l("Class hours"), "trainer": _l("Trainer"),
        "content": _l("Content"), "pass_mark": _l("Pass mark"),
        "attendees": _l("Attendees"), "results": _l("Passed / assessed"),
        "materials": _l("Training materials"), "materials_file": _l("Training materials"),
        "materials_id": _l("Training materials"),
    }
    column_choices = {"kind": list(KIND_LABELS.items()), "method": list(METHOD_LABELS.items())}
    column_formatters = {
        "attendees": lambda v, c, m, n: len(m.attendances),
        "results": _attendance_summary, "materials": _materials_link,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {"attendees": lambda v, c, m, n: len(m.attendances),
                                "results": _attendance_summary}
    column_filters = (
        filters.FilterEqual(TrainingSession.kind, _l("Training type"),
                            options=list(KIND_LABELS.items())),
        filters.FilterEqual(TrainingSession.method, _l("Training method"),
                            options=list(METHOD_LABELS.items())),
        filters.DateBetweenFilter(TrainingSession.held_on, _l("Date")),
        SESSION_DEPARTMENT_FILTER,
    )
    column_extra_row_actions = [
        LinkRowAction("fa fa-list-ol", "scores/?id={row_id}", title=_l("Attendees and scores")),
    ]
    details_template = "training/session_details.html"
    form_columns = ("title", "kind", "method", "held_on", "hours", "trainer", "content",
                    "pass_mark", "materials_file")
    form_choices = column_choices
    form_extra_fields = {
        "materials_file": FileField(
            _l("Training materials"),
            description=_l("A PDF or a photo. A new file replaces the one kept."),
        ),
    }
    form_args = {
        "title": {"validators": [validators.InputRequired(), validators.Length(max=200)]},
        "kind": {"default": "periodic"},
        "method": {"default": "classroom"},
        "held_on": {"validators": [validators.InputRequired()], "default": clock.today},
        "hours": {"validators": [validators.Optional(),
                                 validators.NumberRange(min=0, max=HOURS_MAX)]},
        "trainer": {"validators": [validators.Length(max=100)]},
        "pass_mark": {
            "validators": [validators.Optional(), validators.NumberRange(min=0, max=SCORE_MAX)],
            "description": _l("Out of 100. Leave empty when there is no exam: then the "
                              "trainer marks who passed."),
        },
    }
    form_widget_args = {"content": {"rows": 5}, "hours": {"inputmode": "decimal"},
                        "pass_mark": {"inputmode": "decimal"}}

    def get_query(self):
        return super().get_query().options(selectinload(TrainingSession.attendances))

    def list_links(self) -> list[tuple[str, str]]:
        if not self.can_export:
            return []
        args = {k: v for k, v in request.args.items() if k not in ("page", "page_size")}
        return [(_("Export the register with attendance (xlsx)"),
                 self.get_url(".register_view", **args))]

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if "materials_file" in form:
            valid = _check_upload(form, "materials_file") and valid
        return valid

    def on_model_change(self, form, model, is_created) -> None:
        vars(model).pop("materials_file", None)  # populate_obj copied it; not a column
        stored = _store_upload(form, "materials_file", "training_materials")
        if stored:
            model.materials_id = stored
        if not is_created:
            # The pass mark decides who passed: a new one decides again.
            for attendance in model.attendances:
                if model.pass_mark is not None:
                    attendance.passed = training.passed_for(attendance.score, model.pass_mark,
                                                            attendance.passed)

    def get_save_return_url(self, model, is_created=False):
        if is_created:  # next: who attended, and their scores
            return self.get_url(".scores_view", id=model.id)
        return super().get_save_return_url(model, is_created)

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(kinds=KIND_LABELS, methods=METHOD_LABELS,
                          attendances=_class(kwargs["model"].id))
        return super().render(template, **kwargs)

    @expose("/materials/")
    def materials_view(self):
        session = _session_or_404()
        if not session.materials_id:
            abort(404)
        return files.response(db.session.get(StoredFile, session.materials_id))

    # -- the class's scores, on one screen -------------------------------------------------
    @expose("/scores/", methods=("GET", "POST"))
    def scores_view(self):
        if not self.can_edit:
            abort(403)
        session = _session_or_404()
        errors: dict[str, str] = {}
        if request.method == "POST":
            action = request.form.get("action")
            if action == "add":
                return self._add_attendees(session)
            if action != "save":
                abort(400)
            response, errors = self._save_scores(session)
            if response is not None:
                return response
        attendances = _class(session.id)
        taken = {a.employee_id for a in attendances}
        candidates = [e for e in db.session.scalars(training.active_employees())
                      if e.id not in taken]
        values = request.form if errors else {
            key: value for a in attendances for key, value in (
                (f"hours-{a.id}", _plain(a.hours)), (f"score-{a.id}", _plain(a.score)),
                (f"passed-{a.id}", "" if a.passed is None else ("1" if a.passed else "0")),
            )
        }
        groups = _by_department(candidates)
        return self.render(
            "training/scores.html", session=session, attendances=attendances,
            candidate_groups=groups, values=values, errors=errors, kinds=KIND_LABELS,
            methods=METHOD_LABELS, departments=[d for d, _people in groups if d],
        )

    def _save_scores(self, session: TrainingSession):
        """Every row checked first; all saved, or none (with the reasons beside them)."""
        attendances = _class(session.id)
        form = request.form
        errors, changes, stale = {}, [], False
        for attendance in attendances:
            sent = form.get(f"version-{attendance.id}")
            if sent is None:
                continue  # added after the page was shown: left as it is
            if sent != str(attendance.version):
                stale = True
                break
            if form.get(f"remove-{attendance.id}"):
                changes.append((attendance, None))
                continue
            row = {}
            for name, maximum in (("hours", HOURS_MAX), ("score", SCORE_MAX)):
                key = f"{name}-{attendance.id}"
                try:
                    row[name] = parse_number(form.get(key), maximum)
                except ValueError as error:
                    errors[key] = str(error)
            stated = {"1": True, "0": False}.get(form.get(f"passed-{attendance.id}", ""))
            row["passed"] = training.passed_for(row.get("score"), session.pass_mark, stated)
            if session.held_on > clock.today() and (row.get("score") is not None
                                                    or row["passed"] is not None):
                errors[f"score-{attendance.id}"] = _(
                    "The session is on %(day)s: results are recorded from that day on.",
                    day=format_date(session.held_on))
            changes.append((attendance, row))
        if stale:
            flash(str(STALE_MESSAGE), "error")
            return redirect(self.get_url(".scores_view", id=session.id)), {}
        if errors:
            flash(_("Nothing was saved: correct the marked entries."), "error")
            return None, errors
        removed = 0
        for attendance, row in changes:
            if row is None:
                db.session.delete(attendance)
                removed += 1
            else:
                attendance.hours, attendance.score = row["hours"], row["score"]
                attendance.passed = row["passed"]
        try:
            db.session.commit()
        except Exception as error:  # a concurrent change: told, never shown raw
            db.session.rollback()
            self.handle_view_exception(error)
        else:
            flash(ngettext("Scores saved for %(num)d attendee.",
                           "Scores saved for %(num)d attendees.", len(changes) - removed),
                  "success")
        return redirect(self.get_url(".scores_view", id=session.id)), {}

    def _add_attendees(self, session: TrainingSession):
        ids = [int(i) for i in request.form.getlist("employees") if i.isdigit()]
        department = request.form.get("department") or None
        clauses = [Employee.id.in_(ids)] if ids else []
        if department:
            clauses.append(Employee.department == department)
        people = []
        if clauses:
            taken = select(Attendance.employee_id).where(Attendance.session_id == session.id)
            people = db.session.scalars(
                select(Employee).where(Employee.status == "active", or_(*clauses),
                                       Employee.id.not_in(taken))
            ).all()
        for person in people:
            db.session.add(Attendance(session=session, employee=person, hours=session.hours))
        try:
            db.session.commit()
        except IntegrityError as error:  # the same person added twice at once
            db.session.rollback()
            self.handle_view_exception(error)
        else:
            if people:
                flash(ngettext("%(num)d employee added to the class.",
                               "%(num)d employees added to the class.", len(people)),
                      "success")
            else:
                flash(_("Choose the employees (or a department) to add."), "error")
        return redirect(self.get_url(".scores_view", id=session.id))

    # -- the register, one row per attendee --------------------------------------------------
    @expose("/register/")
    def register_view(self):
        """The training register (培训台账) as the list is filtered, one row per attendee."""
        if not self.can_export:
            abort(403)
        session_ids = [s.id for s in self._export_query()]
        rows = db.session.scalars(
            select(Attendance)
            .join(TrainingSession, Attendance.session).join(Employee, Attendance.employee)
            .where(Attendance.session_id.in_(session_ids))
            .options(contains_eager(Attendance.session), contains_eager(Attendance.employee))
            .order_by(TrainingSession.held_on, TrainingSession.id, Employee.number)
        ) if session_ids else []
        header = [_("Date"), _("Training title"), _("Training type"), _("Training method"),
                  _("Trainer"), _("Employee number"), _("Name"), _("Department"),
                  _("Position"), _("Class hours"), _("Exam score"), _("Pass mark"),
                  _("Exam result")]
        data = [
            (a.session.held_on, a.session.title, KIND_LABELS.get(a.session.kind),
             METHOD_LABELS.get(a.session.method), a.session.trainer, a.employee.number,
             a.employee.name, a.employee.department, a.employee.position, a.hours, a.score,
             a.session.pass_mark, _result_text(a.passed))
            for a in rows
        ]
        return xlsx_response(xlsx_bytes(_("Training register"), header, data),
                             _("Training register"))


def _session_or_404() -> TrainingSession:
    session = db.session.get(TrainingSession, request.args.get("id", type=int) or 0)
    if session is None:
        abort(404)
    return session


def _class(session_id: int) -> list[Attendance]:
    """A session's attendees, by department and employee number (one query)."""
    return db.session.scalars(
        select(Attendance).join(Employee, Attendance.employee)
        .where(Attendance.session_id == session_id)
        .execution_options(include_deleted=True)  # someone deleted later still attended
        .options(contains_eager(Attendance.employee))
        .order_by(Employee.department, Employee.number)
    ).all()


def _by_department(employees) -> list[tuple[str | None, list[Employee]]]:
    """Employees by department (the department is optional: those without one last),
    each by number."""
    ordered = sorted(employees, key=lambda e: (e.department is None, e.department or "",
                                               e.number))
    return [(department, list(people))
            for department, people in groupby(ordered, key=attrgetter("department"))]


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _result_text(passed: bool | None) -> str:
    if passed is None:
        return ""
    return _("Passed") if passed else _("Not passed")


def parse_number(raw: str | None, maximum: Decimal) -> Decimal | None:
    """A score or hours as typed (full-width digits too): 0 to `maximum`, one decimal."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= maximum:
        raise ValueError(_("Enter a number from 0 to %(max)s.", max=maximum))
    if value != value.quantize(Decimal("0.1")):
        raise ValueError(_("At most one decimal place."))
    return value.quantize(Decimal("0.1"))


# -- required training ---------------------------------------------------------------------

class TrainingRequirementAdmin(SecureModelView):
    """The trainings each position must have (besides onboarding and yearly safety)."""

    area = "training"
    column_list = ("position", "kind", "title", "within_days_of_hire", "every_months")
    column_details_list = column_list + ("created_at", "updated_at")
    column_export_list = column_list
    column_sortable_list = ("position",)
    column_default_sort = "position"
    column_labels = {
        "position": _l("Position"), "kind": _l("Training type"),
        "title": _l("Particular training (title)"),
        "within_days_of_hire": _l("Within days of hire"),
        "every_months": _l("Again every (months)"),
    }
    column_choices = {"kind": list(KIND_LABELS.items())}
    column_formatters = {
        "position": lambda v, c, m, n: m.position or _("All positions"),
        "title": lambda v, c, m, n: m.title or _("Any training of this type"),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    list_template = "training/requirement_list.html"
    create_template = "training/employee_create.html"  # the position datalist
    edit_template = "training/employee_edit.html"
    form_columns = ("position", "kind", "title", "within_days_of_hire", "every_months")
    form_choices = column_choices
    form_args = {
        "position": {"validators": [validators.Length(max=50)],
                     "filters": [lambda s: s.strip() or None if isinstance(s, str) else s],
                     "description": _l("Leave empty for every position.")},
        "title": {"validators": [validators.Length(max=200)],
                  "filters": [lambda s: s.strip() or None if isinstance(s, str) else s],
                  "description": _l("Leave empty: any training of this type counts. "
                                    "Otherwise only sessions with exactly this title.")},
        "within_days_of_hire": {
            "validators": [validators.Optional(), validators.NumberRange(min=1, max=3650)],
            "description": _l("Empty: within the onboarding period of the settings."),
        },
        "every_months": {
            "validators": [validators.Optional(), validators.NumberRange(min=1, max=120)],
            "description": _l("Empty: once is enough."),
        },
    }
    form_widget_args = {"position": {"list": "positions"}}

    def render(self, template, **kwargs):
        if template in (self.create_template, self.edit_template):
            kwargs.update(departments=[], positions=training.positions())
        if template == self.list_template:
            config = settings.current()
            kwargs.update(onboarding_days=config["onboarding_days"],
                          safety_months=config["safety_training_months"])
        return super().render(template, **kwargs)


# -- certificates ----------------------------------------------------------------------------

def _reminder_clause(value: str):
    key = value if value in ("expired", "review_overdue") else int(value)
    ids = [c.id for c in training.assess_all().reminders().get(key, [])]
    return Certificate.id.in_(ids)


REMINDER_FILTER = OptionFilter(Certificate.id, _l("Reminder"), REMINDER_LABELS,
                               _reminder_clause)
CERTIFICATE_EMPLOYEE_FILTER = filters.IntEqualFilter(Certificate.employee_id, _l("Employee"))


def _employee_link(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(
        url_for("employee.details_view", id=model.employee_id), model.employee.name)


def _trade_text(view, context, model, name):
    return str(TRADE_LABELS.get(model.trade, model.trade)) if model.trade else ""


def _scan_link(view, context, model, name):
    if not model.scan_id:
        return ""
    return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(
        url_for("certificate.scan_view", id=model.id), _("Open"))


class CertificateAdmin(FreshFilterOptions, SecureModelView):
    """Certificates (证书); a special operations certificate's dates follow the rule."""

    area = "training"
    column_list = ("employee", "kind", "trade", "number", "issued_on", "review_due",
                   "valid_until", "reviewed_on", "state", "scan")
    column_details_list = ("employee", "kind", "trade", "number", "issuer", "issued_on",
                           "reviewed_on", "review_due", "valid_until", "state", "scan",
                           "created_at", "updated_at")
    column_export_list = ("employee", "employee.number", "employee.department", "kind",
                          "trade", "number", "issuer", "issued_on", "reviewed_on",
                          "review_due", "valid_until", "state")
    column_searchable_list = ("employee.name", "employee.number")
    column_sortable_list = ("review_due", "valid_until")
    column_default_sort = ("id", True)
    column_labels = {
        "employee": _l("Employee"), "employee_id": _l("Employee"),
        "employee.name": _l("Name"), "employee.number": _l("Employee number"),
        "employee.department": _l("Department"),
        "kind": _l("Certificate type"), "trade": _l("Trade"), "number": _l("Certificate number"),
        "issuer": _l("Issued by"), "issued_on": _l("Issued on"),
        "valid_until": _l("Valid until"), "review_due": _l("Review due"),
        "reviewed_on": _l("Last reviewed on"), "state": _l("State"), "scan": _l("Scan"),
        "scan_file": _l("Scanned file"), "scan_id": _l("Scan"),
    }
    column_choices = {"kind": list(CERTIFICATE_KIND_LABELS.items()),
                      "trade": list(TRADE_LABELS.items())}
    column_formatters = {"employee": _employee_link, "trade": _trade_text,
                         "state": lambda v, c, m, n: certificate_badge(m), "scan": _scan_link}
    list_template = "training/certificate_list.html"
    column_auto_select_related = False  # get_query loads the employee, by an inner join
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "employee": lambda v, c, m, n: m.employee.name,
        "employee.number": lambda v, c, m, n: m.employee.number,
        "employee.department": lambda v, c, m, n: m.employee.department or "",
        "trade": _trade_text,
        "state": lambda v, c, m, n: certificate_state_text(
            training.certificate_state(m, clock.today())),
    }
    column_filters = (
        REMINDER_FILTER,
        filters.FilterEqual(Certificate.kind, _l("Certificate type"),
                            options=list(CERTIFICATE_KIND_LABELS.items())),
        filters.FilterEqual(Certificate.trade, _l("Trade"), options=list(TRADE_LABELS.items())),
        OptionFilter(Certificate.employee_id, _l("Department"), _department_options,
                     lambda department: Certificate.employee_id.in_(
                         select(Employee.id).where(Employee.department == department))),
        CERTIFICATE_EMPLOYEE_FILTER,
    )
    form_columns = ("employee", "kind", "trade", "number", "issuer", "issued_on",
                    "reviewed_on", "review_due", "valid_until", "scan_file")
    form_choices = {"kind": list(CERTIFICATE_KIND_LABELS.items()),
                    "trade": list(TRADE_LABELS.items())}
    form_extra_fields = {
        "scan_file": FileField(_l("Scanned file"),
                               description=_l("A PDF or a photo of the certificate.")),
    }
    form_args = {
        "employee": {"validators": [validators.InputRequired()]},
        "kind": {"default": "special_operations"},
        "number": {"validators": [validators.Length(max=64)]},
        "issuer": {"validators": [validators.Length(max=100)]},
        "issued_on": {"validators": [validators.InputRequired(), not_in_future]},
        "review_due": {"description": _l(
            "Special operations certificates: left empty, 3 years after issue or after the "
            "last review. A date typed here is kept.")},
        "valid_until": {"description": _l(
            "Special operations certificates: left empty, 6 years after issue. A date typed "
            "here is kept.")},
        "reviewed_on": {"description": _l(
            "After a review, enter its date: the next review date follows unless you change "
            "it too.")},
    }
    form_ajax_refs = {
        "employee": SearchLoader("employee", Employee, employee_search, employee_label,
                                 Employee.name, _l("Type a name or employee number to search")),
    }

    own_relations = ("employee",)

    def get_query(self):
        # Inner join: the certificates of a deleted employee go (and come back) with them.
        return super().get_query().join(Employee, Certificate.employee).options(
            contains_eager(Certificate.employee))

    def get_count_query(self):
        return super().get_count_query().join(Employee, Certificate.employee)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = employee_search(search)
        if clause is not None:
            number = unicodedata.normalize("NFKC", search).strip()
            clause = or_(clause, Certificate.number == number)
            query = query.filter(clause)
            count_query = count_query.filter(clause) if count_query is not None else None
        return query, count_query, joins, count_joins

    def create_form(self, obj=None):
        form = super().create_form(obj)
        employee_id = request.args.get("employee_id", type=int)
        if employee_id and request.method == "GET":
            form.employee.data = db.session.get(Employee, employee_id)
        return form

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if "scan_file" in form:
            valid = _check_upload(form, "scan_file") and valid
        if not valid or "issued_on" not in form:
            return valid
        issued, reviewed = form.issued_on.data, form.reviewed_on.data
        if form.kind.data == "special_operations" and not form.trade.data:
            form.trade.errors.append(_("A special operations certificate is for a trade."))
        if reviewed and (reviewed < issued or reviewed > clock.today()):
            form.reviewed_on.errors.append(
                _("The review date must be between the issue date and today."))
        if form.review_due.data and form.review_due.data < issued:
            form.review_due.errors.append(
                _("The review cannot be due before the certificate was issued."))
        if form.valid_until.data and form.valid_until.data < issued:
            form.valid_until.errors.append(_("The certificate cannot end before it was issued."))
        if (form.review_due.data and form.valid_until.data
                and form.review_due.data > form.valid_until.data):
            form.review_due.errors.append(
                _("The review cannot be due after the certificate ends."))
        return not any(f.errors for f in form)

    def on_model_change(self, form, model, is_created) -> None:
        vars(model).pop("scan_file", None)  # populate_obj copied it; not a column
        stored = _store_upload(form, "scan_file", "certificate_scan")
        if stored:
            model.scan_id = stored
        model.review_due, model.valid_until = training.fill_certificate_dates(
            model.kind, model.issued_on, model.reviewed_on,
            _kept(form, "review_due", model, is_created),
            _kept(form, "valid_until", model, is_created),
        )
        if model.review_due and model.valid_until and model.review_due > model.valid_until:
            raise ValidationError(_("The review cannot be due after the certificate ends."))

    @expose("/scan/")
    def scan_view(self):
        cert = db.session.get(Certificate, request.args.get("id", type=int) or 0)
        if cert is None or not cert.scan_id:
            abort(404)
        return files.response(db.session.get(StoredFile, cert.scan_id))


def _kept(form, name: str, model: Certificate, is_created: bool) -> date | None:
    """A date of the form to keep as it is: typed by hand, or standing while nothing it
    follows from changed. A special operations certificate's other dates follow the rule
    again (an edit that records a review moves the review date on)."""
    value = form[name].data
    if value is None or is_created or model.kind != "special_operations":
        return value
    if value != form[name].object_data:
        return value  # typed by hand
    moved = any(form[f].data != form[f].object_data for f in ("kind", "issued_on", "reviewed_on"))
    return None if moved else value


# -- the competency matrix -------------------------------------------------------------------

class CompetencyView(SecureBaseView):
    """Employees × required trainings and certificates (能力矩阵), by department."""

    area = "training"

    def _matrix(self):
        department = request.args.get("department") or None
        employees = db.session.scalars(training.active_employees(department)).all()
        assessment = training.assess(employees)
        requirements, trades = assessment.columns()
        return department, assessment, requirements, trades

    @expose("/")
    def index(self):
        department, assessment, requirements, trades = self._matrix()
        return self.render(
            "training/competency.html", department=department,
            departments=training.departments(), assessment=assessment,
            requirements=[(r, requirement_label(r)) for r in requirements], trades=trades,
            trade_labels=TRADE_LABELS, statuses=STATUS_LABELS, badges=STATUS_BADGES,
            can_export=self.may("X"),
        )

    @expose("/export/")
    def export_view(self):
        if not self.may("X"):
            abort(403)
        department, assessment, requirements, trades = self._matrix()
        header = [_("Employee number"), _("Name"), _("Department"), _("Position"),
                  *(requirement_label(r) for r in requirements),
                  *(_("%(trade)s certificate", trade=TRADE_LABELS.get(t, t)) for t in trades)]
        rows, fills = [], []
        for employee in assessment.employees:
            cells = [assessment.trainings[employee.id].get(r.key) for r in requirements]
            cells += [assessment.trades[employee.id].get(t) for t in trades]
            rows.append([employee.number, employee.name, employee.department,
                         employee.position, *(_cell_text(c) for c in cells)])
            fills.append([None] * 4 + [c.status if c else None for c in cells])
        title = _("Competency matrix")
        stem = f"{title}_{department}" if department else title
        return xlsx_response(xlsx_bytes(title, header, rows, fills), stem)


def _cell_text(cell: training.Cell | None) -> str:
    if cell is None:
        return ""
    text = str(STATUS_LABELS[cell.status])
    return f"{text} {cell.due_on:%Y-%m-%d}" if cell.due_on else text


# -- the home page ---------------------------------------------------------------------------

_REMINDER_ITEMS = (("expired", "danger"), ("review_overdue", "danger"), (7, "danger"),
                   (30, "warning"), (60, "info"), (90, "info"))


@due_items("training")
def training_due(user) -> list[DueItem]:
    """Who may not work their trade, certificate reminders (trainer, safety officer) and
    training gaps (trainer)."""
    if user.role not in ("trainer", "safety_officer", "admin"):
        return []
    assessment = training.assess_all()
    employees, certificates = screen(EmployeeAdmin), screen(CertificateAdmin)
    items = []
    flags = assessment.flags()
    for flag in flags[:HOME_FLAGS]:
        items.append(DueItem(
            _("%(name)s: not allowed to do %(work)s (%(reason)s)", name=flag.employee.name,
              work=TRADE_WORK_LABELS.get(flag.trade, flag.trade),
              reason=FLAG_REASONS[flag.reason]),
            None, url_for(f"{employees.endpoint}.details_view", id=flag.employee.id), "danger"))
    if len(flags) > HOME_FLAGS:
        items.append(DueItem(_("Everyone not allowed to work their special trade"),
                             len({f.employee.id for f in flags}),
                             employees.list_url((TRAINING_FILTER, "not_allowed")), "danger"))
    reminders = assessment.reminders()
    for key, level in _REMINDER_ITEMS:
        if not reminders.get(key):
            continue
        if key == "expired":
            label = _("Certificates expired")
        elif key == "review_overdue":
            label = _("Certificate reviews overdue")
        else:
            label = _("%(days)d-day reminder: certificate reviews and expiries", days=key)
        items.append(DueItem(label, len(reminders[key]),
                             certificates.list_url((REMINDER_FILTER, str(key))), level))
    if user.role in ("trainer", "admin"):
        for key, label, level in (
            ("gaps", _("Employees lacking required training"), "danger"),
            ("due_soon", _("Employees with required training due soon"), "warning"),
        ):
            ids = (assessment.training_gaps() if key == "gaps"
                   else assessment.training_due_soon())
            if ids:
                items.append(DueItem(label, len(ids),
                                     employees.list_url((TRAINING_FILTER, key)), level))
    return items
