"""Safety management (安全管理): inspections from templates on a phone, hazards rectified and
verified, equipment, emergency plans and drills, accidents, the safety register, and the
monthly report (DOMAIN.md "Safety"). What is due when lives in safety.py.
"""
from collections import Counter
from datetime import date, timedelta

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_admin.form.widgets import DatePickerWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload
from wtforms import DateField, validators
from wtforms.validators import ValidationError

from .. import clock, files, safety
from ..auth import current_role
from ..extensions import db
from ..formatting import colon, listing
from ..models import (
    ANSWERS,
    HAZARD_LEVELS,
    INSPECTION_KINDS,
    ITEM_GROUPS,
    SAFETY_AREAS,
    SCHEDULES,
    Accident,
    CorrectiveAction,
    EmergencyPlan,
    Equipment,
    Hazard,
    InspectionAnswer,
    InspectionItem,
    InspectionTemplate,
    SafetyInspection,
    StoredFile,
    User,
)
from ..pdf import pdf_response, render_pdf
from ..rules import check_labels
from .base import (
    FreshFilterOptions,
    SecureBaseView,
    SecureModelView,
    refused_as_stale,
    screen,
)
from .common import OptionFilter, not_before, not_in_future, row_link
from .followups import MultiCheckboxField
from .home import DueItem, due_items

AREA_LABELS = {
    "workshop": _l("Workshop"), "warehouse": _l("Parts warehouse"),
    "paint_booth": _l("Paint booth"), "wash_bay": _l("Wash bay"),
    "office": _l("Office and reception"),
}
SCHEDULE_LABELS = {"daily": _l("Daily"), "weekly": _l("Weekly"), "monthly": _l("Monthly")}
GROUP_LABELS = {
    "equipment": _l("Equipment"), "people": _l("People"), "materials": _l("Materials"),
    "electrical_height": _l("Electrical work and work at height"),
    "fire": _l("Fire equipment"),
}
KIND_LABELS = {
    "routine": _l("Routine"), "special": _l("Special"), "holiday": _l("Before a holiday"),
    "after_accident": _l("After an accident"),
}
ANSWER_LABELS = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("Not applicable")}
LEVEL_LABELS = {"major": _l("Major"), "general": _l("General")}
HAZARD_STATE_LABELS = {
    "open": _l("To rectify"), "overdue": _l("Overdue"),
    "rectified": _l("Rectified, to verify"), "closed": _l("Closed"),
}
_HAZARD_BADGES = {"open": "warning", "overdue": "danger", "rectified": "info",
                  "closed": "success"}
EQUIPMENT_KINDS = {
    "lift": _l("Vehicle lift"), "compressor": _l("Air compressor"),
    "tyre_changer": _l("Tyre changer"), "spray_booth": _l("Spray booth"),
    "charger": _l("Charger"), "extinguisher": _l("Fire extinguisher"), "other": _l("Other"),
}
STATUS_LABELS = {"in_service": _l("In service"), "stopped": _l("Stopped")}
SERVICE_LABELS = {"maintenance": _l("Maintenance"), "repair": _l("Repair")}
RECORD_KINDS = {"violation": _l("Violation"), "commendation": _l("Commendation")}
TRADE_LABELS = {
    "electrician": _l("Electrician"), "welder": _l("Welder"),
    "pressure_vessel": _l("Pressure vessel operator"), "forklift": _l("Forklift driver"),
    "height_work": _l("Work at height"), "painter": _l("Painter"),
}
check_labels(AREA_LABELS, SAFETY_AREAS)
check_labels(SCHEDULE_LABELS, SCHEDULES)
check_labels(GROUP_LABELS, ITEM_GROUPS)
check_labels(KIND_LABELS, INSPECTION_KINDS)
check_labels(ANSWER_LABELS, ANSWERS)
check_labels(LEVEL_LABELS, HAZARD_LEVELS)


def _user_name(attribute: str):
    def formatter(view, context, model, name):
        user = getattr(model, attribute)
        return user.display_name if user else ""

    return formatter


def _area(view, context, model, name):
    return AREA_LABELS.get(model.area, model.area)


def _record(model):
    record = db.session.get(model, request.args.get("id", type=int) or 0)
    if record is None:
        abort(404)
    return record


# -- templates --------------------------------------------------------------------------------

class InspectionTemplateAdmin(SecureModelView):
    """The inspection checklists: grouped items, areas, schedule; edited by the officer."""

    area = "safety"
    column_list = ("name", "schedule", "areas", "items")
    column_labels = {
        "name": _l("Template"), "schedule": _l("Schedule"), "areas": _l("Areas"),
        "items": _l("Items"), "group": _l("Group"), "text": _l("Item"),
        "position": _l("Order"),
    }
    column_choices = {"schedule": list(SCHEDULE_LABELS.items())}
    column_formatters = {
        "areas": lambda v, c, m, n: listing(str(AREA_LABELS.get(a, a)) for a in m.areas or []),
        "items": lambda v, c, m, n: len(m.items),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("name", "schedule", "areas")
    form_choices = {"schedule": list(SCHEDULE_LABELS.items())}
    form_overrides = {"areas": MultiCheckboxField}
    form_args = {
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)]},
        "areas": {"choices": list(AREA_LABELS.items())},
    }
    inline_models = (
        (InspectionItem, {
            "form_columns": ("id", "group", "text", "position"),
            "form_choices": {"group": list(GROUP_LABELS.items())},
            "form_label": _l("Item"),
            "column_labels": {"group": _l("Group"), "text": _l("Item"),
                              "position": _l("Order")},
        }),
    )

    def get_query(self):
        return super().get_query().options(selectinload(InspectionTemplate.items))


# -- inspections ------------------------------------------------------------------------------

def _answer_counts(inspection: SafetyInspection) -> dict:
    """{result: how many answers} of an inspection: from the list page's counts when it
    is on one, else from its answers (the export loads them)."""
    page = g.get("answer_counts")
    if page is not None:
        return page.get(inspection.id, {})
    return Counter(answer.result for answer in inspection.answers)


def _result_parts(inspection: SafetyInspection) -> list[tuple[str, str, int]]:
    """(css, label, count) of each result the inspection has, "to answer" last."""
    counts = _answer_counts(inspection)
    parts = [(css, ANSWER_LABELS[key], counts[key])
             for key, css in (("pass", "success"), ("fail", "danger"), ("na", "secondary"))
             if counts.get(key)]
    if counts.get(None):
        parts.append(("light", _l("To answer"), counts[None]))
    return parts


def _results(view, context, model, name):
    return Markup(" ").join(Markup('<span class="badge badge-{}">{} {}</span>').format(
        css, text, count) for css, text, count in _result_parts(model))


def _signed(view, context, model, name):
    if model.signed_at:
        return Markup('<span class="badge badge-success">{}</span>').format(_("Signed off"))
    return Markup('<span class="badge badge-warning">{}</span>').format(_("In progress"))


class SafetyInspectionAdmin(SecureModelView):
    area = "safety"
    column_list = ("inspected_on", "area", "template", "kind", "inspector", "results",
                   "signed")
    column_default_sort = ("inspected_on", True)
    column_sortable_list = ("inspected_on",)
    column_labels = {
        "inspected_on": _l("Date"), "area": _l("Area"), "template": _l("Template"),
        "kind": _l("Kind of inspection"), "inspector": _l("Inspector"),
        "results": _l("Results"), "signed": _l("State"),
    }
    column_choices = {"kind": list(KIND_LABELS.items())}
    column_formatters = {
        "area": _area, "template": lambda v, c, m, n: m.template.name if m.template else "",
        "inspector": _user_name("inspector"), "results": _results, "signed": _signed,
    }
    column_formatters_export = {
        "area": _area, "template": column_formatters["template"],
        "inspector": _user_name("inspector"),
        "results": lambda v, c, m, n: " ".join(
            f"{text} {count}" for _css, text, count in _result_parts(m)),
        "signed": lambda v, c, m, n: _("Signed off") if m.signed_at else _("In progress"),
    }
    column_filters = (
        filters.FilterEqual(SafetyInspection.area, _l("Area"), options=list(AREA_LABELS.items())),
        filters.FilterEqual(SafetyInspection.kind, _l("Kind of inspection"),
                            options=list(KIND_LABELS.items())),
        filters.DateBetweenFilter(SafetyInspection.inspected_on, _l("Date")),
    )
    can_view_details = False  # the inspection's own page is its record
    list_template = "safety/inspection_list.html"  # a phone's columns

    def on_list_page(self, rows: list) -> None:
        # The Results column: the page's answers counted, not loaded.
        g.answer_counts = safety.answer_counts([row.id for row in rows])

    def _export_query(self):
        return super()._export_query().options(selectinload(SafetyInspection.answers))

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Choose the area, template and kind: the items come from the template."""
        templates = db.session.scalars(
            select(InspectionTemplate).order_by(InspectionTemplate.name)).all()
        if request.method == "POST":
            template = db.session.get(InspectionTemplate, request.form.get("template", type=int)
                                      or 0)
            area, kind = request.form.get("area"), request.form.get("kind", "routine")
            if template is None or area not in AREA_LABELS or kind not in KIND_LABELS:
                flash(_("Choose the area, the template and the kind of inspection."), "error")
            else:
                inspection = safety.start_inspection(
                    template, area, kind, current_user._get_current_object(), clock.today())
                db.session.commit()
                return redirect(self.get_url(".fill_view", id=inspection.id))
        return self.render("safety/start.html", templates=templates, areas=AREA_LABELS,
                           kinds=KIND_LABELS, chosen_area=request.args.get("area"),
                           chosen_template=request.args.get("template", type=int))

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return redirect(self.get_url(".fill_view", id=request.args.get("id", type=int)))

    @expose("/fill/", methods=("GET", "POST"))
    def fill_view(self):
        """One screen, every item, three big buttons each; failed items raise hazards."""
        inspection = _record(SafetyInspection)
        if request.method == "POST":
            if not self.can_edit:
                abort(403)
            if inspection.signed_at:
                flash(_("The inspection is signed off: it can no longer change."), "error")
            elif not refused_as_stale(inspection):
                inspection.updated_at = clock.now()  # a save of the whole sheet: a new version
                self._save_answers(inspection)
                if "sign" in request.form:
                    self._sign(inspection)
                db.session.commit()
                return redirect(self.get_url(".fill_view", id=inspection.id))
        hazards = {h.answer_id: h for h in db.session.scalars(
            select(Hazard).where(Hazard.inspection_id == inspection.id))}
        return self.render(
            "safety/fill.html", inspection=inspection, hazards=hazards, groups=GROUP_LABELS,
            answers=ANSWER_LABELS, levels=LEVEL_LABELS, areas=AREA_LABELS, kinds=KIND_LABELS,
            writable=self.can_edit and not inspection.signed_at,
            as_raised=safety.hazard_as_raised,
        )

    def _save_answers(self, inspection: SafetyInspection) -> None:
        inspector = current_user._get_current_object()
        raised = {h.answer_id: h for h in db.session.scalars(
            select(Hazard).where(Hazard.inspection_id == inspection.id))}
        for answer in inspection.answers:
            result = request.form.get(f"result-{answer.id}")
            answer.result = result if result in ANSWER_LABELS else answer.result
            answer.note = (request.form.get(f"note-{answer.id}") or "").strip()[:2000] or None
            photo = request.files.get(f"photo-{answer.id}")
            if photo and photo.filename:
                try:
                    stored = files.store(photo.read(), "inspection_photo")
                except files.FileRefused as error:
                    flash(f"{colon(answer.text)}{error}", "error")
                else:
                    db.session.flush()
                    answer.photo_id = stored.id
            hazard = raised.get(answer.id)
            level = request.form.get(f"level-{answer.id}")
            level = level if level in LEVEL_LABELS else None
            if answer.result == "fail" and hazard is None:
                db.session.flush()
                safety.raise_hazard(answer, level or "general", inspector)
            elif hazard is not None and safety.hazard_as_raised(hazard):
                if answer.result != "fail":
                    hazard.deleted_at = clock.now()  # the item passed after all
                elif level and level != hazard.level:
                    safety.set_level(hazard, level)
        flash(_("The answers are saved."), "success")

    def _sign(self, inspection: SafetyInspection) -> None:
        unanswered = [a for a in inspection.answers if a.result is None]
        if unanswered:
            flash(ngettext("%(num)d item is not answered yet.",
                           "%(num)d items are not answered yet.", len(unanswered)), "error")
            return
        inspection.signed_at = clock.now()
        inspection.signed_by = current_user._get_current_object()
        flash(_("The inspection is signed off."), "success")

    @expose("/pdf/")
    def pdf_view(self):
        inspection = _record(SafetyInspection)
        hazards = db.session.scalars(
            select(Hazard).where(Hazard.inspection_id == inspection.id)).all()
        data = render_pdf(
            "pdf/safety_inspection.html", inspection=inspection, hazards=hazards,
            groups=GROUP_LABELS, answers=ANSWER_LABELS, levels=LEVEL_LABELS,
            areas=AREA_LABELS, kinds=KIND_LABELS, printed_on=clock.today(),
            photos={a.photo_id: files.data_url(db.session.get(StoredFile, a.photo_id))
                    for a in inspection.answers if a.photo_id},
        )
        return pdf_response(data, _("Safety inspection") + f"_{inspection.inspected_on}.pdf")

    @expose("/file/")
    def file_view(self):
        """A photo taken during an inspection or of a hazard's rectification."""
        stored = _record(StoredFile)
        linked = db.session.scalar(select(func.count()).select_from(InspectionAnswer).where(
            InspectionAnswer.photo_id == stored.id)) or db.session.scalar(
            select(func.count()).select_from(Hazard).where(Hazard.evidence_photo_id == stored.id)
        ) or db.session.scalar(select(func.count()).select_from(EmergencyPlan).where(
            EmergencyPlan.file_id == stored.id))
        if not linked:
            abort(404)
        return files.response(stored)


# -- hazards ----------------------------------------------------------------------------------

def _hazard_state(view, context, model, name):
    state = safety.hazard_state(model, clock.today())
    return Markup('<span class="badge badge-{}">{}</span>').format(
        _HAZARD_BADGES[state], HAZARD_STATE_LABELS[state])


HAZARD_STATE_FILTER = OptionFilter(
    Hazard.closed_at, _l("State"), HAZARD_STATE_LABELS,
    lambda state: safety.hazard_state_clause(state, clock.today()),
)
HAZARD_LEVEL_FILTER = filters.FilterEqual(Hazard.level, _l("Level"),
                                          options=list(LEVEL_LABELS.items()))


def _inspection_name(inspection) -> str:
    if inspection is None:
        return ""
    return f"{inspection.inspected_on} {AREA_LABELS.get(inspection.area, inspection.area)}"


def _safety_people():
    return db.session.query(User).filter(User.active).order_by(User.display_name)


class HazardAdmin(FreshFilterOptions, SecureModelView):
    """Hazards (隐患): rectified by their deadline, then verified by the safety officer."""

    area = "safety"
    column_list = ("found_on", "area", "level", "description", "responsible", "deadline",
                   "state", "failed_verifications")
    column_details_list = (
        "description", "area", "level", "found_on", "found_by", "inspection", "responsible",
        "deadline", "state", "measures", "rectified_at", "rectified_by", "evidence",
        "verified_at", "verified_by", "verification_note", "failed_verifications", "closed_at",
    )
    column_export_list = column_details_list
    column_sortable_list = ("found_on", "deadline")
    column_labels = {
        "found_on": _l("Found on"), "area": _l("Area"), "level": _l("Level"),
        "description": _l("Hazard"), "responsible": _l("Responsible"),
        "deadline": _l("Rectify by"), "state": _l("State"),
        "failed_verifications": _l("Failed checks"), "found_by": _l("Found by"),
        "inspection": _l("From the inspection"), "measures": _l("Rectification measures"),
        "rectified_at": _l("Rectified"), "rectified_by": _l("Rectified by"),
        "evidence": _l("Evidence"), "verified_at": _l("Verified"),
        "verified_by": _l("Verified by"), "verification_note": _l("Verification note"),
        "closed_at": _l("Closed"),
    }
    column_choices = {"level": list(LEVEL_LABELS.items())}
    column_formatters = {
        "area": _area, "state": _hazard_state, "responsible": _user_name("responsible"),
        "found_by": _user_name("found_by"), "rectified_by": _user_name("rectified_by"),
        "verified_by": _user_name("verified_by"),
        "inspection": lambda v, c, m, n: _inspection_name(m.inspection),
    }
    column_formatters_detail = {
        **column_formatters,
        "inspection": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("safety_inspection.fill_view", id=m.inspection_id),
            _inspection_name(m.inspection)) if m.inspection else "",
    }
    column_formatters_export = {
        **column_formatters,
        "state": lambda v, c, m, n: str(HAZARD_STATE_LABELS[
            safety.hazard_state(m, clock.today())]),
    }
    column_filters = (
        HAZARD_STATE_FILTER, HAZARD_LEVEL_FILTER,
        filters.FilterEqual(Hazard.area, _l("Area"), options=list(AREA_LABELS.items())),
        filters.DateBetweenFilter(Hazard.deadline, _l("Rectify by")),
    )
    details_template = "safety/hazard_details.html"
    form_columns = ("description", "area", "level", "found_on", "responsible", "deadline",
                    "measures")
    form_choices = {"area": list(AREA_LABELS.items()), "level": list(LEVEL_LABELS.items())}
    form_args = {
        "description": {"validators": [validators.InputRequired()]},
        "found_on": {"default": clock.today,
                     "validators": [validators.InputRequired(), not_in_future]},
        "responsible": {"query_factory": _safety_people},
    }
    form_extra_fields = {
        # Not from the model: its column is required, the field is not.
        "deadline": DateField(
            _l("Rectify by"),
            [validators.Optional(),
             not_before("found_on", _l("The deadline cannot be before the day it was found."))],
            widget=DatePickerWidget(), description=_l("Set from the level when left empty."),
        ),
    }

    def get_query(self):
        return super().get_query().options(selectinload(Hazard.inspection))

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        if sort_column is None:  # unsorted: the hazards still open first, by deadline
            return query.order_by(Hazard.closed_at.is_not(None), Hazard.deadline,
                                  Hazard.id), joins
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def on_model_change(self, form, model, is_created) -> None:
        if is_created:
            model.found_by = current_user._get_current_object()
        if model.deadline is None:
            safety.set_level(model, model.level)  # and the deadline it gives

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(state=safety.hazard_state(kwargs["model"], clock.today()),
                          states=HAZARD_STATE_LABELS, may_verify=self._may_verify())
        return super().render(template, **kwargs)

    def _may_verify(self) -> bool:
        return self.can_edit and current_role() in ("safety_officer", "admin")

    @expose("/rectify/", methods=("POST",))
    def rectify_view(self):
        if not self.can_edit:
            abort(403)
        hazard = _record(Hazard)
        back = redirect(self.get_url(".details_view", id=hazard.id))
        measures = (request.form.get("measures") or "").strip()
        evidence = (request.form.get("evidence") or "").strip()
        if refused_as_stale(hazard):  # e.g. rectified meanwhile, from another tab
            return back
        if hazard.closed_at or hazard.rectified_at:
            flash(_("The hazard is rectified already: nothing was saved."), "error")
            return back
        if not measures:
            flash(_("Describe what was done to rectify it."), "error")
            return back
        photo = request.files.get("photo")
        if photo and photo.filename:
            try:
                stored = files.store(photo.read(), "evidence_photo")
            except files.FileRefused as error:
                flash(str(error), "error")
                return back
            db.session.flush()
            hazard.evidence_photo_id = stored.id
        hazard.measures, hazard.evidence = measures, evidence or None
        hazard.rectified_at = clock.now()
        hazard.rectified_by = current_user._get_current_object()
        db.session.commit()
        flash(_("Rectification recorded; the safety officer verifies it."), "success")
        return back

    @expose("/verify/", methods=("POST",))
    def verify_view(self):
        if not self._may_verify():
            abort(403)
        hazard = _record(Hazard)
        back = redirect(self.get_url(".details_view", id=hazard.id))
        if refused_as_stale(hazard):
            return back
        if hazard.rectified_at is None or hazard.closed_at:
            flash(_("Only a rectified hazard can be verified."), "error")
            return back
        passed = request.form.get("result") == "pass"
        note = (request.form.get("note") or "").strip() or None
        new_deadline = _date(request.form.get("new_deadline"))
        if not passed and (new_deadline is None or new_deadline < clock.today()):
            flash(_("A failed check needs a new deadline, from today on."), "error")
            return back
        safety.verify(hazard, passed, note, new_deadline, current_user._get_current_object(),
                      clock.now())
        db.session.commit()
        flash(_("Verified: the hazard is closed.") if passed
              else _("Not rectified: the hazard is open again."), "success")
        return back


def _date(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# -- equipment --------------------------------------------------------------------------------

SERVICE_FILTER = OptionFilter(
    Equipment.next_service_on, _l("Service"),
    {"overdue": _l("Overdue"), "due": _l("Due within 7 days")},
    lambda value: Equipment.next_service_on < clock.today() if value == "overdue"
    else Equipment.next_service_on.between(clock.today(), clock.today() + timedelta(days=7)),
)


class EquipmentAdmin(SecureModelView):
    area = "safety"
    column_list = ("name", "kind", "area", "location", "status", "last_service_on",
                   "next_service_on")
    column_default_sort = ("next_service_on", False)
    column_sortable_list = ("name", "next_service_on")
    column_searchable_list = ("name",)
    column_labels = {
        "name": _l("Equipment"), "kind": _l("Kind"), "area": _l("Area"),
        "location": _l("Location"), "qualification": _l("Operator qualification"),
        "service_interval_days": _l("Service every (days)"),
        "last_service_on": _l("Last service"), "next_service_on": _l("Next service"),
        "status": _l("Status"), "stopped_reason": _l("Why it is stopped"),
        "services": _l("Services"),
    }
    column_choices = {
        "kind": list(EQUIPMENT_KINDS.items()), "status": list(STATUS_LABELS.items()),
        "qualification": list(TRADE_LABELS.items()),
    }
    column_formatters = {"area": _area}
    column_formatters_export = column_formatters
    column_details_list = ("name", "kind", "area", "location", "qualification",
                           "service_interval_days", "last_service_on", "next_service_on",
                           "status", "stopped_reason")
    column_formatters_detail = column_formatters
    column_filters = (
        SERVICE_FILTER,
        filters.FilterEqual(Equipment.status, _l("Status"), options=list(STATUS_LABELS.items())),
        filters.FilterEqual(Equipment.area, _l("Area"), options=list(AREA_LABELS.items())),
    )
    details_template = "safety/equipment_details.html"
    form_columns = ("name", "kind", "area", "location", "qualification",
                    "service_interval_days", "last_service_on", "next_service_on", "status",
                    "stopped_reason")
    form_choices = {
        "kind": list(EQUIPMENT_KINDS.items()), "area": list(AREA_LABELS.items()),
        "status": list(STATUS_LABELS.items()),
        "qualification": [("", "")] + list(TRADE_LABELS.items()),
    }
    form_args = {
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)]},
        "service_interval_days": {"validators": [validators.Optional(),
                                                 validators.NumberRange(min=1, max=3650)]},
        "last_service_on": {"validators": [validators.Optional(), not_in_future]},
        "next_service_on": {"validators": [validators.Optional(), not_before(
            "last_service_on", _l("The next service cannot be before the last one."))]},
    }

    def on_model_change(self, form, model, is_created) -> None:
        was = sa_inspect(model).attrs.status.history.deleted
        if model.status == "in_service" and was and was[0] == "stopped":
            raise ValidationError(_("A stopped piece goes back into service when its repair "
                                    "is recorded (on its page)."))
        if model.status == "stopped" and not model.stopped_reason:
            raise ValidationError(_("Say why it is stopped."))
        model.qualification = model.qualification or None
        if model.next_service_on is None and model.last_service_on and \
                model.service_interval_days:
            model.next_service_on = model.last_service_on + timedelta(
                days=model.service_interval_days)

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(services=SERVICE_LABELS, writable=self.can_edit)
        return super().render(template, **kwargs)

    @expose("/service/", methods=("POST",))
    def service_view(self):
        if not self.can_edit:
            abort(403)
        equipment = _record(Equipment)
        kind = request.form.get("kind")
        done_on = _date(request.form.get("done_on"))
        if kind not in SERVICE_LABELS or done_on is None or done_on > clock.today():
            flash(_("Choose maintenance or repair, and the day it was done."), "error")
        else:
            safety.record_service(equipment, kind, done_on,
                                  (request.form.get("done_by") or "").strip()[:100] or None,
                                  (request.form.get("notes") or "").strip() or None)
            db.session.commit()
            flash(_("The service is recorded."), "success")
        return redirect(self.get_url(".details_view", id=equipment.id))


# -- plans, drills, accidents, the register ---------------------------------------------------

class EmergencyPlanAdmin(SecureModelView):
    area = "safety"
    column_list = ("title", "edition", "file_id")
    column_labels = {"title": _l("Emergency plan"), "edition": _l("Edition"),
                     "file_id": _l("Plan document")}
    column_formatters = {
        "file_id": lambda v, c, m, n: row_link(
            "safety_inspection.file_view", _("Open"), id=m.file_id) if m.file_id else "",
    }
    column_formatters_export = {"file_id": lambda v, c, m, n: ""}
    form_columns = ("title", "edition")
    form_args = {"title": {"validators": [validators.InputRequired(),
                                          validators.Length(max=200)]}}

    def scaffold_form(self):
        form_class = super().scaffold_form()
        form_class.upload = FileField(_l("File (PDF or photo)"))
        return form_class

    def on_model_change(self, form, model, is_created) -> None:
        vars(model).pop("upload", None)
        upload = form.upload.data
        if upload and getattr(upload, "filename", ""):
            try:
                stored = files.store(upload.read(), "emergency_plan", files.DOCUMENTS)
            except files.FileRefused as error:
                raise ValidationError(str(error)) from error
            db.session.flush()
            model.file_id = stored.id


class DrillAdmin(SecureModelView):
    area = "safety"
    column_list = ("held_on", "scenario", "plan", "duration_minutes", "participants")
    column_default_sort = ("held_on", True)
    column_labels = {
        "held_on": _l("Date"), "scenario": _l("Scenario"), "plan": _l("Emergency plan"),
        "duration_minutes": _l("Duration (minutes)"), "participants": _l("Participants"),
        "findings": _l("Findings"), "improvements": _l("Improvements"),
    }
    form_columns = ("plan", "scenario", "held_on", "participants", "duration_minutes",
                    "findings", "improvements")
    form_args = {"scenario": {"validators": [validators.InputRequired()]},
                 "held_on": {"validators": [validators.InputRequired()]},
                 "duration_minutes": {"validators": [validators.Optional(),
                                                     validators.NumberRange(min=1, max=1440)]}}


class AccidentAdmin(SecureModelView):
    """Accidents: reported, investigated, closed when every corrective action is done."""

    area = "safety"
    column_list = ("happened_at", "area", "description", "injuries", "open_actions",
                   "closed_at")
    column_default_sort = ("happened_at", True)
    column_labels = {
        "happened_at": _l("When"), "area": _l("Area"), "place": _l("Where"),
        "people": _l("Who"), "description": _l("What happened"), "injuries": _l("Injuries"),
        "cause": _l("Cause"), "closed_at": _l("Closed"),
        "open_actions": _l("Open corrective actions"), "actions": _l("Corrective actions"),
    }
    column_formatters = {
        "area": _area,
        "open_actions": lambda v, c, m, n: sum(1 for a in m.actions if a.done_at is None),
    }
    column_formatters_export = column_formatters
    form_columns = ("happened_at", "area", "place", "people", "description", "injuries",
                    "cause")
    form_choices = {"area": list(AREA_LABELS.items())}
    form_args = {"description": {"validators": [validators.InputRequired()]},
                 "happened_at": {"validators": [validators.InputRequired(), not_in_future]}}
    inline_models = (
        (CorrectiveAction, {
            "form_columns": ("id", "action", "owner", "deadline", "done_at"),
            "form_label": _l("Corrective action"),
            "column_labels": {"action": _l("Corrective action"), "owner": _l("Responsible"),
                              "deadline": _l("Deadline"), "done_at": _l("Done")},
        }),
    )

    def get_query(self):
        return super().get_query().options(selectinload(Accident.actions))

    def after_model_change(self, form, model, is_created) -> None:
        done = bool(model.actions) and all(a.done_at for a in model.actions)
        if done != bool(model.closed_at):
            model.closed_at = clock.now() if done else None
            db.session.commit()


class SafetyRecordAdmin(SecureModelView):
    area = "safety"
    column_list = ("happened_on", "kind", "person", "what", "measure")
    column_default_sort = ("happened_on", True)
    column_labels = {
        "happened_on": _l("Date"), "kind": _l("Kind"), "person": _l("Who"),
        "what": _l("What"), "measure": _l("Measure taken"),
    }
    column_choices = {"kind": list(RECORD_KINDS.items())}
    form_columns = ("kind", "person", "happened_on", "what", "measure")
    form_choices = column_choices
    form_args = {"person": {"validators": [validators.InputRequired()]},
                 "what": {"validators": [validators.InputRequired()]},
                 "happened_on": {"validators": [validators.InputRequired()]}}


# -- the monthly report -----------------------------------------------------------------------

class SafetyReportView(SecureBaseView):
    """The month's safety report (月度安全报告), on screen and as a PDF."""

    area = "safety"

    def _context(self):
        raw = request.args.get("month") or f"{clock.today():%Y-%m}"
        try:
            day = date.fromisoformat(raw + "-01")
        except ValueError:
            abort(400)
        return {"figures": safety.report_figures(day), "month": raw, "areas": AREA_LABELS,
                "levels": LEVEL_LABELS, "printed_on": clock.today()}

    @expose("/")
    def index(self):
        return self.render("safety/report.html", **self._context())

    @expose("/pdf/")
    def pdf(self):
        context = self._context()
        data = render_pdf("pdf/safety_report.html", **context)
        return pdf_response(data, _("Safety report") + f"_{context['month']}.pdf")


# -- home pages -------------------------------------------------------------------------------

@due_items("safety")
def safety_work(user) -> list[DueItem]:
    """The safety officer: inspections due, hazards overdue or to verify, equipment to
    service or stopped. The manager and the admin: overdue major hazards."""
    today = clock.today()
    hazards = screen(HazardAdmin)
    items = []
    major_overdue = db.session.scalar(select(func.count()).select_from(Hazard).where(
        Hazard.level == "major", safety.hazard_state_clause("overdue", today)))
    if major_overdue:
        items.append(DueItem(_("Major hazards past their deadline"), major_overdue,
                             hazards.list_url((HAZARD_STATE_FILTER, "overdue"),
                                              (HAZARD_LEVEL_FILTER, "major")), "danger"))
    if user.role not in ("safety_officer", "admin"):
        return items
    for row in safety.schedule(today):
        if row["due_now"]:
            label = _("%(area)s: %(template)s", area=AREA_LABELS[row["area"]],
                      template=row["template"].name)
            state = _("overdue since %(day)s", day=row["due"]) if row["overdue"] else _("due today")
            if row["started"]:  # go on with it: not a second one
                url = url_for("safety_inspection.fill_view", id=row["started"])
            else:
                url = url_for("safety_inspection.create_view", area=row["area"],
                              template=row["template"].id)
            items.append(DueItem(f"{label} · {state}", None, url,
                                 "danger" if row["overdue"] else "warning"))
    for state, label, level in (("overdue", _("Hazards past their deadline"), "danger"),
                                ("rectified", _("Rectified hazards to verify"), "info")):
        count = db.session.scalar(select(func.count()).select_from(Hazard).where(
            safety.hazard_state_clause(state, today)))
        if count:
            items.append(DueItem(label, count, hazards.list_url((HAZARD_STATE_FILTER, state)),
                                 level))
    equipment = screen(EquipmentAdmin)
    for value, label, level in (("overdue", _("Equipment service overdue"), "danger"),
                                ("due", _("Equipment service due within 7 days"), "warning")):
        count = db.session.scalar(select(func.count()).select_from(Equipment).where(
            SERVICE_FILTER.clause(value)))
        if count:
            items.append(DueItem(label, count, equipment.list_url((SERVICE_FILTER, value)),
                                 level))
    stopped = db.session.scalar(select(func.count()).select_from(Equipment).where(
        Equipment.status == "stopped"))
    if stopped:
        items.append(DueItem(_("Equipment stopped"), stopped,
                             equipment.get_url("equipment.index_view"), "warning"))
    return items
