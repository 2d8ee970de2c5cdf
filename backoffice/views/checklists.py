"""Reception (接车) and handover (交车): the advisor's checklists, on a tablet, signed by
the customer (DOMAIN.md "Reception", "Handover").

Each step is a small form saved on its own, so nothing is lost when the customer walks
away mid-way; the signature comes last and needs every step. After signing a reception
is read only: corrections are amendments kept beside it.
"""
from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from .. import clock, files, followups, parts, rules, settings
from ..auth import current_role
from ..extensions import db
from ..formatting import format_date, format_datetime, listing
from ..models import (
    BELONGINGS,
    DAMAGE_AREAS,
    DAMAGE_KINDS,
    RECEPTION_STEPS,
    WARRANTY_DECISIONS,
    Amendment,
    Customer,
    ExtraWork,
    Handover,
    PartsOrder,
    Reception,
    StoredFile,
    User,
    Vehicle,
    Visit,
)
from ..pdf import pdf_response, render_pdf
from ..permissions import allowed
from ..rules import check_labels
from .archives import VISIT_KIND_LABELS, previous_mileage, vehicle_search
from .base import SecureModelView, refused_as_stale, screen
from .common import (
    Form,
    NumberField,
    OptionFilter,
    duplicate_error,
    existing_record,
    row_link,
)
from .home import DueItem, due_items
from .parts import STATE_LABELS as ORDER_STATE_LABELS

STEP_LABELS = {
    "covers": _l("Protective covers"),
    "walk_around": _l("Mileage and fuel"),
    "damage": _l("Exterior check"),
    "belongings": _l("Valuables and accessories"),
    "consultation": _l("The customer's description and requests"),
    "diagnosis": _l("Fault confirmation and warranty"),
    "documents": _l("Documents received"),
    "parts": _l("Parts availability"),
    "estimate": _l("Estimate"),
}
AREA_LABELS = {
    "front": _l("Front"), "rear": _l("Rear"), "left": _l("Left side"),
    "right": _l("Right side"), "roof": _l("Roof"),
}
DAMAGE_LABELS = {
    "scratch": _l("Scratch"), "dent": _l("Dent"), "crack": _l("Crack"), "other": _l("Other"),
}
BELONGING_LABELS = {
    "spare_tyre": _l("Spare tyre"), "tools": _l("Tools"),
    "warning_triangle": _l("Warning triangle"), "extinguisher": _l("Fire extinguisher"),
}
WARRANTY_LABELS = {
    "yes": _l("Under warranty"), "no": _l("Not under warranty"),
    "after_diagnosis": _l("To decide after diagnosis"),
}
CONSENT_LABELS = {
    "in_person": _l("In person"), "phone": _l("By phone"), "wechat": _l("By WeChat"),
    "sms": _l("By SMS"),
}
OLD_PARTS_LABELS = {
    "returned": _l("Returned to the customer"), "not_wanted": _l("Not wanted by the customer"),
    "none": _l("No parts replaced"),
}
PAYMENT_LABELS = {
    "cash": _l("Cash"), "card": _l("Bank card"), "wechat": _l("WeChat Pay"),
    "alipay": _l("Alipay"), "transfer": _l("Bank transfer"), "insurance": _l("Insurance"),
}
WORK_KIND_LABELS = {
    "assembly": _l("Whole-vehicle or assembly repair"),
    "level2": _l("Level-2 maintenance"),
    "minor": _l("Level-1 maintenance, minor or special repair"),
}
HANDOVER_STEP_LABELS = {
    "quality": _l("Quality check"),
    "cleaning": _l("Cleaned, covers removed"),
    "belongings": _l("Belongings checked"),
    "explanation": _l("Work and cautions explained"),
    "maintenance": _l("Maintenance advice"),
    "old_parts": _l("Old parts"),
    "settlement": _l("Settlement"),
    "guarantee": _l("Repair quality guarantee"),
}
HANDOVER_STEPS = tuple(HANDOVER_STEP_LABELS)
DIFFERENCES_LENGTH = 2000  # as long as the valuables they are checked against
check_labels(STEP_LABELS, RECEPTION_STEPS)
check_labels(AREA_LABELS, DAMAGE_AREAS)
check_labels(DAMAGE_LABELS, DAMAGE_KINDS)
check_labels(BELONGING_LABELS, BELONGINGS)
check_labels(WARRANTY_LABELS, WARRANTY_DECISIONS)
check_labels(WORK_KIND_LABELS, rules.GUARANTEE_KINDS)
# What may be corrected after signing, and how it reads.
AMENDABLE = {
    "mileage": _l("Mileage (km)"), "fuel_eighths": _l("Fuel level"),
    "described_faults": _l("The customer's description"), "requests": _l("The customer's requests"),
    "fault_confirmation": _l("Fault confirmation"), "warranty_decision": _l("Warranty"),
    "estimate_amount": _l("Estimated cost (yuan)"), "promised_at": _l("Promised completion"),
    "parts_expected_on": _l("Parts expected on"), "valuables": _l("Valuables"),
}


def _choices(labels: dict) -> list:
    return list(labels.items())


# -- the reception's step forms ---------------------------------------------------------------

class CoversForm(Form):
    seat_cover = BooleanField(_l("Seat cover"))
    wheel_cover = BooleanField(_l("Steering-wheel cover"))
    floor_mat = BooleanField(_l("Floor mat"))

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not (self.seat_cover.data and self.wheel_cover.data and self.floor_mat.data):
            self.floor_mat.errors.append(_("Put on all three covers before going on."))
            return False
        return True


class WalkAroundForm(Form):
    mileage = IntegerField(_l("Mileage (km)"), [InputRequired(), NumberRange(min=0)])
    mileage_correction_reason = StringField(_l("Reason for a lower mileage"), [Length(max=200)])
    fuel_eighths = RadioField(
        _l("Fuel level"), choices=[(str(n), f"{n}/8") for n in range(9)],
        validators=[InputRequired()],
    )


class BelongingsForm(Form):
    spare_tyre = BooleanField(BELONGING_LABELS["spare_tyre"])
    tools = BooleanField(BELONGING_LABELS["tools"])
    warning_triangle = BooleanField(BELONGING_LABELS["warning_triangle"])
    extinguisher = BooleanField(BELONGING_LABELS["extinguisher"])
    valuables = TextAreaField(_l("Valuables and other things in the car"), [Length(max=2000)])


class ConsultationForm(Form):
    described_faults = TextAreaField(
        _l("What the customer describes"), [InputRequired(), Length(max=4000)]
    )
    requests = TextAreaField(_l("What the customer asks for"), [Length(max=4000)])


class DiagnosisForm(Form):
    fault_confirmation = TextAreaField(
        _l("The advisor's fault confirmation"), [InputRequired(), Length(max=4000)]
    )
    warranty_decision = RadioField(
        _l("Warranty"), choices=_choices(WARRANTY_LABELS), validators=[InputRequired()]
    )
    warranty_reason = TextAreaField(_l("Reason"), [InputRequired(), Length(max=2000)])


class DocumentsForm(Form):
    vehicle_licence = BooleanField(_l("Vehicle licence (行驶证)"))
    maintenance_book = BooleanField(_l("Maintenance book (保养手册)"))


class PartsForm(Form):
    parts_in_stock = RadioField(
        _l("Parts"), choices=[("1", _l("All in stock")), ("0", _l("To order"))],
        validators=[InputRequired()],
    )
    parts_expected_on = DateField(_l("Parts expected on"), [Optional()])
    parts_note = TextAreaField(_l("Parts to order"), [Length(max=2000)])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.parts_in_stock.data == "0" and not self.parts_expected_on.data:
            self.parts_expected_on.errors.append(_("When will the parts arrive?"))
            return False
        return True


class EstimateForm(Form):
    estimate_amount = NumberField(
        _l("Estimated cost (yuan)"), [InputRequired(), NumberRange(min=0, max=10_000_000)]
    )
    promised_at = DateTimeField(
        _l("Promised completion"), [InputRequired()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class DamageForm(Form):
    area = SelectField(_l("Where"), choices=_choices(AREA_LABELS))
    kind = SelectField(_l("Damage"), choices=_choices(DAMAGE_LABELS))
    note = StringField(_l("Note"), [Length(max=200)])


class ExtraWorkForm(Form):
    item = StringField(_l("Extra work"), [InputRequired(), Length(max=200)])
    extra_cost = NumberField(_l("Extra cost (yuan)"), [Optional(), NumberRange(min=0)])
    extra_hours = NumberField(_l("Extra time (hours)"), [Optional(), NumberRange(min=0)],
                              digits=6, places=1)
    reason = TextAreaField(_l("Reason"), [Length(max=2000)])


STEP_FORMS = {
    "covers": CoversForm, "walk_around": WalkAroundForm, "belongings": BelongingsForm,
    "consultation": ConsultationForm, "diagnosis": DiagnosisForm,
    "documents": DocumentsForm, "parts": PartsForm, "estimate": EstimateForm,
}


class AmendmentBase(Form):
    """Its fields are named amend-*: the step forms are on the same page."""

    reason = StringField(_l("Reason"), [InputRequired(), Length(max=200)])


# An amendment's new value is typed in its step's own field and checked by its rules.
AmendmentForm = type("AmendmentForm", (AmendmentBase,), {
    name: getattr(form, name) for form in STEP_FORMS.values() for name in AMENDABLE
    if hasattr(form, name)
})
check_labels(AMENDABLE, [name for name in AMENDABLE if hasattr(AmendmentForm, name)])


def amended_value(field: str, raw: str | None) -> str:
    """An amendment's old or new value (kept as text) as its step shows it."""
    if raw is None:
        return ""
    try:
        if field == "promised_at":
            return format_datetime(datetime.fromisoformat(raw))
        if field == "parts_expected_on":
            return format_date(date.fromisoformat(raw))
    except ValueError:  # typed before amendments were checked
        return raw
    if field == "fuel_eighths":
        return f"{raw}/8"
    if field == "warranty_decision":
        return str(WARRANTY_LABELS.get(raw, raw))
    return raw


def _step_form(step: str, reception: Reception, formdata=None) -> Form:
    form = STEP_FORMS[step](formdata)
    if formdata is None:
        for name, field in form._fields.items():
            if name in BELONGINGS:
                field.data = bool(reception.belongings.get(name))
            elif name == "mileage_correction_reason":
                field.data = reception.visit.mileage_correction_reason
            elif name == "parts_in_stock":
                field.data = None if reception.parts_in_stock is None else str(
                    int(reception.parts_in_stock))
            elif name == "fuel_eighths":
                field.data = None if reception.fuel_eighths is None else str(
                    reception.fuel_eighths)
            elif hasattr(reception, name):
                field.data = getattr(reception, name)
    return form


def _apply_step(step: str, form: Form, reception: Reception) -> None:
    data = form.data
    if step == "belongings":
        reception.belongings = {name: bool(data[name]) for name in BELONGINGS}
        reception.valuables = data["valuables"] or None
        return
    if step == "walk_around":
        visit = reception.visit
        problem = rules.mileage_problem(
            data["mileage"], previous_mileage(visit), data["mileage_correction_reason"]
        )
        if problem:
            form.mileage.errors.append(problem)
            raise ValidationError(problem)
        visit.mileage = data["mileage"]
        visit.mileage_correction_reason = data["mileage_correction_reason"] or None
        reception.mileage = data["mileage"]
        reception.fuel_eighths = int(data["fuel_eighths"])
        return
    for name, value in data.items():
        if name == "parts_in_stock":
            value = value == "1"
        elif name == "parts_expected_on" and reception.parts_in_stock:
            value = None
        elif isinstance(value, str):
            value = value.strip() or None
        setattr(reception, name, value)


# -- the reception screen ------------------------------------------------------------------------

def _progress(view, context, model, name):
    done = len(set(model.steps_done) & set(RECEPTION_STEPS))
    return f"{done}/{len(RECEPTION_STEPS)}"


def _reception_state(reception: Reception) -> str:
    if _handed_over(reception):
        return "handed_over"
    if reception.handover and reception.handover.quality_passed:
        return "quality_passed"
    return "signed" if reception.signed_at else "draft"


RECEPTION_STATES = {
    "draft": _l("In progress"), "signed": _l("Signed, in the workshop"),
    "quality_passed": _l("Quality check passed"), "handed_over": _l("Handed over"),
}
_STATE_BADGES = {"draft": "warning", "signed": "info", "quality_passed": "primary",
                 "handed_over": "success"}


def _moment_formatter(view, context, model, name):
    """A date and time that wraps between the two, not inside the date (narrow lists)."""
    moment = format_datetime(getattr(model, name))
    return Markup(" ").join(Markup('<span class="text-nowrap">{}</span>').format(part)
                            for part in moment.split(" ")) if moment else ""


def _state_formatter(view, context, model, name):
    """The state's badge; a checklist in progress says how far it is (3/9): a signed one
    has every step done."""
    state = _reception_state(model)
    badge = Markup('<span class="badge badge-{}">{}</span>').format(
        _STATE_BADGES[state], RECEPTION_STATES[state]
    )
    if state != "draft":
        return badge
    return badge + Markup(' <span class="text-nowrap">{}</span>').format(
        _progress(view, context, model, name))


def _state_clause(state: str):
    handovers = select(Handover.reception_id)
    waiting = Reception.id.in_(
        handovers.where(Handover.quality_passed, Handover.completed_at.is_(None))
    )
    handed = Reception.id.in_(handovers.where(Handover.completed_at.is_not(None)))
    return {
        "draft": Reception.signed_at.is_(None),
        "signed": Reception.signed_at.is_not(None) & ~waiting & ~handed,
        "quality_passed": waiting,
        "handed_over": handed,
    }[state]


RECEPTION_STATE_FILTER = OptionFilter(Reception.signed_at, _l("State"), RECEPTION_STATES,
                                      _state_clause)


class ChecklistScreen(SecureModelView):
    """What the reception and handover screens share: files, signatures, one record."""

    area = "checklists"
    deletable = True

    def _record(self, model, key: str = "id"):
        record = db.session.get(model, request.args.get(key, type=int) or 0)
        if record is None:
            abort(404)
        return record

    def _require_write(self) -> None:
        if not self.can_edit:
            abort(403)

class ReceptionAdmin(ChecklistScreen):
    list_relations = ("handover",)
    # The steps done are in the state's cell (a column of 9/9 but for the drafts made the
    # English list too wide for a tablet); the export keeps them apart.
    column_list = ("started_at", "vehicle", "customer", "advisor", "state", "promised_at")
    column_default_sort = ("started_at", True)
    column_sortable_list = ("started_at", "promised_at")
    column_searchable_list = ("vehicle.plate_number", "vehicle.vin")
    column_labels = {
        "started_at": _l("Received"), "vehicle": _l("Vehicle"), "customer": _l("Customer"),
        "vehicle.plate_number": _l("Plate number"), "vehicle.vin": _l("VIN"),
        "advisor": _l("Service advisor"), "state": _l("State"), "progress": _l("Steps done"),
        "promised_at": _l("Promised completion"), "signed_at": _l("Signed"),
    }
    column_formatters = {
        "customer": lambda v, c, m, n: m.customer.name,
        "advisor": lambda v, c, m, n: m.advisor.display_name if m.advisor else "",
        "vehicle": lambda v, c, m, n: row_link(f"{v.endpoint}.checklist_view",
                                               m.vehicle.plate_number, id=m.id),
        "state": _state_formatter,
        "progress": _progress,
        "started_at": _moment_formatter,
        "promised_at": _moment_formatter,
    }
    column_formatters_export = {
        "customer": column_formatters["customer"], "advisor": column_formatters["advisor"],
        "vehicle": lambda v, c, m, n: m.vehicle.plate_number,
        "state": lambda v, c, m, n: str(RECEPTION_STATES[_reception_state(m)]),
        "progress": _progress,
    }
    column_details_list = column_list
    column_export_list = ("started_at", "vehicle", "customer", "advisor", "state", "progress",
                          "promised_at")
    column_formatters_detail = column_formatters
    column_filters = (
        RECEPTION_STATE_FILTER,
        filters.DateTimeBetweenFilter(Reception.started_at, _l("Received")),
    )
    can_view_details = False  # the checklist page is the record

    def search_clause(self, text: str):
        clause = vehicle_search(text)
        return None if clause is None else Reception.vehicle_id.in_(
            select(Vehicle.id).where(clause))

    # -- starting ------------------------------------------------------------------------
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Find the car by plate or VIN, or file a new customer and car, and begin."""
        term = (request.args.get("q") or "").strip()
        found = []
        if term:
            clause = vehicle_search(term)
            if clause is not None:
                found = db.session.scalars(
                    select(Vehicle).where(clause).options(joinedload(Vehicle.owner)).limit(20)
                ).all()
        errors = {}
        if request.method == "POST":
            kind = request.form.get("kind", "maintenance")
            if kind not in VISIT_KIND_LABELS:
                abort(400)
            vehicle_id = request.form.get("vehicle", type=int)
            vehicle = db.session.get(Vehicle, vehicle_id) if vehicle_id else None
            if vehicle is None:
                vehicle, errors = new_customer_and_vehicle(request.form)
            if vehicle is not None:
                reception = start_reception(vehicle, current_user._get_current_object(), kind)
                db.session.commit()
                return redirect(self.get_url(".checklist_view", id=reception.id))
        return self.render("checklists/start.html", term=term, found=found, errors=errors,
                           kinds=VISIT_KIND_LABELS, form=request.form)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return redirect(self.get_url(".checklist_view", id=request.args.get("id", type=int)))

    # -- the checklist -------------------------------------------------------------------
    @expose("/checklist/")
    def checklist_view(self):
        reception = self._record(Reception)
        return self._render_checklist(reception)

    def _render_checklist(self, reception, forms=None, damage_form=None, amend_form=None,
                          extra_form=None, refused=None):
        """The reception page; after a refused form, `refused` is the id of its section:
        the page says what was typed there is not saved, and shows its own address."""
        forms = forms or {}
        stock = _parts_stock(reception)
        if "parts" not in forms:
            forms["parts"] = _step_form("parts", reception)
            if reception.parts_in_stock is None:
                _prefill_parts(forms["parts"], stock["part_orders"])
        for step in STEP_FORMS:
            forms.setdefault(step, _step_form(step, reception))
        missing = [step for step in RECEPTION_STEPS if step not in reception.steps_done]
        return self.render(
            "checklists/reception.html", reception=reception, forms=forms,
            damage_form=damage_form or DamageForm(), missing=missing,
            steps=STEP_LABELS, areas=AREA_LABELS, damage_labels=DAMAGE_LABELS,
            belongings=BELONGING_LABELS, warranty=WARRANTY_LABELS, consent=CONSENT_LABELS,
            amendable=AMENDABLE, amend_form=amend_form or AmendmentForm(prefix="amend"),
            amended=amended_value, extra_form=extra_form or ExtraWorkForm(),
            extra_open=self.can_edit and not _handed_over(reception),
            writable=self.can_edit, visit_kinds=VISIT_KIND_LABELS,
            handover_view=screen(HandoverAdmin), refused=refused, **stock,
        )

    @expose("/step/", methods=("POST",))
    def step_view(self):
        self._require_write()
        reception = self._record(Reception)
        step = request.args.get("step", "")
        if step not in RECEPTION_STEPS:
            abort(404)
        if reception.is_signed:
            flash(_("The checklist is signed: correct it with an amendment."), "error")
            return redirect(self.get_url(".checklist_view", id=reception.id))
        if refused_as_stale(reception):
            return redirect(self.get_url(".checklist_view", id=reception.id) + f"#step-{step}")
        if step == "damage":
            _mark_done(reception, step)
            db.session.commit()
            return self._next(reception, step)
        form = STEP_FORMS[step](request.form)
        if form.validate():
            try:
                with db.session.no_autoflush:
                    _apply_step(step, form, reception)
            except ValidationError:
                db.session.rollback()
            else:
                _mark_done(reception, step)
                db.session.commit()
                return self._next(reception, step)
        flash(_("“%(step)s” was not saved: see the messages below.", step=STEP_LABELS[step]),
              "error")
        return self._render_checklist(reception, forms={step: form}, refused=f"step-{step}")

    def _next(self, reception: Reception, step: str):
        flash(_("“%(step)s” saved.", step=STEP_LABELS[step]), "success")
        later = [s for s in RECEPTION_STEPS if s not in reception.steps_done]
        anchor = f"step-{later[0]}" if later else "sign"
        return redirect(self.get_url(".checklist_view", id=reception.id) + "#" + anchor)

    @expose("/damage/", methods=("POST",))
    def damage_view(self):
        """Add a damage to the outline (with a photo if one was taken), or remove one."""
        self._require_write()
        reception = self._record(Reception)
        back = redirect(self.get_url(".checklist_view", id=reception.id) + "#step-damage")
        if reception.is_signed:
            flash(_("The checklist is signed: correct it with an amendment."), "error")
            return back
        if refused_as_stale(reception):
            return back
        if "remove" in request.form:
            index = request.form.get("remove", type=int)
            damages = list(reception.damages)
            if index is not None and 0 <= index < len(damages):
                del damages[index]
                reception.damages = damages
                db.session.commit()
            return back
        form = DamageForm(request.form)
        if not form.validate():
            return self._render_checklist(reception, damage_form=form, refused="step-damage")
        damage = {"area": form.area.data, "kind": form.kind.data, "note": form.note.data or ""}
        photo = request.files.get("photo")
        if photo and photo.filename:
            try:
                stored = files.store(photo.read(), "damage_photo")
            except files.FileRefused as error:  # the damage stays on the form, to send again
                flash(str(error), "error")
                return self._render_checklist(reception, damage_form=form,
                                              refused="step-damage")
            db.session.flush()
            damage["photo_id"] = stored.id
        reception.damages = [*reception.damages, damage]
        db.session.commit()
        flash(_("Damage noted."), "success")
        return back

    @expose("/sign/", methods=("POST",))
    def sign_view(self):
        self._require_write()
        reception = self._record(Reception)
        back = redirect(self.get_url(".checklist_view", id=reception.id) + "#sign")
        if reception.is_signed or refused_as_stale(reception):
            return back
        missing = [str(STEP_LABELS[s]) for s in RECEPTION_STEPS if s not in reception.steps_done]
        if missing:
            flash(_("It cannot be signed yet; these steps are missing: %(steps)s.",
                    steps=listing(missing)), "error")
            return back
        name = (request.form.get("signed_by_name") or "").strip()[:100]
        try:
            signature = files.store_signature(request.form.get("signature"))
        except files.FileRefused as error:
            flash(str(error), "error")
            return back
        db.session.flush()
        reception.signature_id = signature.id
        reception.signed_by_name = name or reception.customer.name
        reception.signed_at = clock.now()
        visit = reception.visit
        visit.service_items = (
            visit.service_items or reception.requests or reception.described_faults
        )
        db.session.commit()
        flash(_("Signed. The car can go to the workshop."), "success")
        return back

    @expose("/amend/", methods=("POST",))
    def amend_view(self):
        """A correction after signing: the signed record stays, the amendment is kept."""
        self._require_write()
        reception = self._record(Reception)
        back = redirect(self.get_url(".checklist_view", id=reception.id) + "#amendments")
        field = request.form.get("field", "")
        if not reception.is_signed or field not in AMENDABLE:
            abort(400)
        form = AmendmentForm(request.form, prefix="amend")
        form.validate()  # (the whole form, for its checks of every value: common.Form)
        chosen = form[field]
        for other in form:
            if other is not chosen and other is not form.reason:
                other.errors = []  # the fields not chosen are not sent
        if not chosen.errors and chosen.data in (None, ""):
            chosen.errors = [_("This field is required.")]
        valid = not (chosen.errors or form.reason.errors)
        value = chosen.data
        if valid and field == "mileage":
            last = previous_mileage(reception.visit)
            if last is not None and value < last and not reception.visit.mileage_correction_reason:
                form.mileage.errors.append(_(
                    "The mileage cannot be lower than the last recorded %(last)d km.", last=last))
                valid = False
        if not valid:
            flash(_("The amendment was not recorded: see the messages below."), "error")
            return self._render_checklist(reception, amend_form=form, refused="amendments")
        if field == "promised_at":
            value = clock.aware(value)
        old = getattr(reception, field)
        db.session.add(Amendment(
            reception=reception, field=field, old_value=None if old is None else str(old),
            new_value=str(value), reason=form.reason.data,
            made_by=current_user._get_current_object(),
        ))
        db.session.commit()
        flash(_("The amendment is recorded; the signed checklist is kept as it was."), "success")
        return back

    @expose("/extra/", methods=("POST",))
    def extra_view(self):
        """Extra work found during the repair: added, agreed to (or not), done; all of it
        between the reception's signature and the handover's."""
        self._require_write()
        reception = self._record(Reception)
        back = redirect(self.get_url(".checklist_view", id=reception.id) + "#extra-work")
        if not reception.is_signed:
            flash(_("Extra work is added once the reception checklist is signed."), "error")
            return back
        if _handed_over(reception):
            flash(_("The car is handed over: its extra work can no longer change."), "error")
            return back
        action = request.form.get("action")
        if action == "add":
            form = ExtraWorkForm(request.form)
            if not form.validate():
                flash(_("The extra work was not added: see the messages below."), "error")
                return self._render_checklist(reception, extra_form=form, refused="extra-work")
            db.session.add(ExtraWork(
                reception=reception, item=form.item.data.strip(),
                reason=(form.reason.data or "").strip() or None,
                extra_cost=form.extra_cost.data, extra_hours=form.extra_hours.data,
            ))
            db.session.commit()
            flash(_("Extra work added: it waits for the customer's consent."), "success")
            return back
        work = db.session.get(ExtraWork, request.form.get("work", type=int) or 0)
        if work is None or work.reception_id != reception.id:
            abort(404)
        if action in ("consent", "decline") and (work.consent_at or work.declined):
            flash(_("The customer has already decided on this work."), "error")
            return back
        if action == "consent":
            how = request.form.get("consent_how")
            who = (request.form.get("consent_by") or "").strip()
            if how not in CONSENT_LABELS or not who:
                flash(_("Record how the customer agreed, and who agreed."), "error")
                return back
            work.consent_how, work.consent_by = how, who[:100]
            work.consent_at = clock.now()
            work.consent_taken_by = current_user._get_current_object()
            confirmed = _("The customer's consent is recorded.")
        elif action == "decline":
            work.declined = True
            confirmed = _("Recorded: the customer declined this work.")
        elif action == "done":
            if work.consent_at is None:
                flash(_("The customer has not agreed to this work: it cannot be done."),
                      "error")
                return back
            work.done_at = work.done_at or clock.now()
            confirmed = _("The extra work is marked done.")
        else:
            abort(400)
        db.session.commit()
        flash(confirmed, "success")
        return back

    @expose("/pdf/")
    def pdf_view(self):
        reception = self._record(Reception)
        data = render_pdf("pdf/reception.html", **reception_context(reception))
        return pdf_response(data, _("Reception record") + f"_{reception.vehicle.plate_number}.pdf")

    @expose("/file/")
    def file_view(self):
        """A signature or damage photo, to those who may see its checklist."""
        stored = self._record(StoredFile)
        if not _file_belongs_to_a_checklist(stored):
            abort(404)
        return files.response(stored)


def _parts_stock(reception: Reception) -> dict:
    """The parts step looks up the parts stock: the reception's parts orders, line by
    line against the stock on hand, and any part by its number or name."""
    sees = allowed(current_role(), "parts", "R")
    term = (request.args.get("part") or "").strip()
    orders = db.session.scalars(
        select(PartsOrder).where(PartsOrder.reception_id == reception.id,
                                 PartsOrder.state != "cancelled")
        .options(parts.with_lines()).order_by(PartsOrder.id)).all() if sees else []
    return {
        "sees_parts": sees, "part_term": term, "part_orders": orders,
        "found_parts": parts.find_parts(term) if sees and term else [],
        "may_order_parts": allowed(current_role(), "parts", "W"),
        "order_states": ORDER_STATE_LABELS,
    }


def _prefill_parts(form: PartsForm, orders: list[PartsOrder]) -> None:
    """The parts ordered for this car answer the step: in stock, or what is short."""
    if not orders:
        return
    short = [(line, missing) for order in orders for line, missing in parts.shortfalls(order)
             if order.state in parts.CHANGEABLE_STATES]
    form.parts_in_stock.data = "0" if short else "1"
    form.parts_note.data = listing(f"{line.part} × {missing}" for line, missing in short)
    expected = [order.expected_on for order in orders if order.expected_on]
    form.parts_expected_on.data = max(expected) if expected and short else None


def _pending_extra_work(reception: Reception) -> list[ExtraWork]:
    """Extra work the customer has neither agreed to nor declined."""
    return [w for w in reception.extra_work if w.consent_at is None and not w.declined]


def _handed_over(reception: Reception) -> bool:
    return bool(reception.handover and reception.handover.completed_at)


def _mark_done(record, step: str) -> None:
    record.steps_done = {**record.steps_done, step: clock.now().isoformat()}


def _file_belongs_to_a_checklist(stored: StoredFile) -> bool:
    if stored.purpose == "signature":
        return db.session.scalar(select(func.count()).select_from(Reception).where(
            Reception.signature_id == stored.id)) or db.session.scalar(
            select(func.count()).select_from(Handover).where(Handover.signature_id == stored.id))
    if stored.purpose == "damage_photo":
        # The JSON column holds the id: look only among the receptions that could have
        # taken the photo, begun before it and not signed before it (a reception may
        # stay open for days; a signed one takes no more damages).
        return any(
            damage.get("photo_id") == stored.id
            for damages in db.session.scalars(
                select(Reception.damages).where(
                    Reception.created_at <= stored.created_at + timedelta(minutes=1),
                    or_(Reception.signed_at.is_(None), Reception.signed_at >= stored.created_at))
            )
            for damage in damages or []
        )
    return False


def new_customer_and_vehicle(form) -> tuple[Vehicle | None, dict]:
    """A walk-in customer's record and car, made in place (duplicates refused)."""
    errors = {}
    name = (form.get("name") or "").strip()
    model = (form.get("vehicle_model") or "").strip()
    if not name:
        errors["name"] = _("Required.")
    for field, value, column in (("name", name, Customer.name),
                                 ("vehicle_model", model, Vehicle.vehicle_model)):
        if len(value) > column.type.length:
            errors[field] = _("At most %(n)d characters.", n=column.type.length)
    normalized = {}
    for field, normalize in (("mobile", rules.normalize_mobile),
                             ("plate_number", rules.normalize_plate),
                             ("vin", rules.normalize_vin)):
        raw = (form.get(field) or "").strip()
        if not raw:
            if field != "vin":
                errors[field] = _("Required.")
            continue
        try:
            normalized[field] = normalize(raw)
        except ValueError as error:
            errors[field] = str(error)
    existing = normalized.get("plate_number") and db.session.scalar(
        select(Vehicle).where(Vehicle.plate_number == normalized["plate_number"])
        .execution_options(include_deleted=True))
    if existing:
        errors["plate_number"] = _("A vehicle with this plate number already exists: "
                                   "find it above.")
    if normalized.get("vin") and db.session.scalar(
        select(Vehicle.id).where(Vehicle.vin == normalized["vin"])
        .execution_options(include_deleted=True)
    ):
        errors["vin"] = _("A vehicle with this VIN already exists: find it above.")
    # The mobile is the customer's: a walk-in with a known mobile is that customer only
    # when the names agree; otherwise the advisor looks at who has it (never silently).
    customer = normalized.get("mobile") and existing_record(
        Customer, Customer.mobile, normalized["mobile"], None)
    if customer and (customer.deleted_at or customer.name != name):
        errors["mobile"] = duplicate_error(
            _("A customer with this mobile number already exists:"),
            url_for("customer.archive_view", id=customer.id), customer.name)
    if errors:
        return None, errors
    if not customer:
        customer = Customer(name=name, mobile=normalized["mobile"])
        db.session.add(customer)
    vehicle = Vehicle(owner=customer, plate_number=normalized["plate_number"],
                      vin=normalized.get("vin"), vehicle_model=model or None)
    db.session.add(vehicle)
    return vehicle, {}


def start_reception(vehicle: Vehicle, advisor: User, kind: str) -> Reception:
    """The visit begins: its record in the archive, and the reception checklist."""
    visit = Visit(vehicle=vehicle, customer=vehicle.owner, kind=kind, visited_at=clock.now(),
                  advisor=advisor)
    reception = Reception(vehicle=vehicle, customer=vehicle.owner, visit=visit, advisor=advisor,
                          started_at=visit.visited_at, steps_done={}, damages=[], belongings={})
    db.session.add_all([visit, reception])
    return reception


def reception_context(reception: Reception) -> dict:
    photos = {
        d["photo_id"]: files.data_url(db.session.get(StoredFile, d["photo_id"]))
        for d in reception.damages if d.get("photo_id")
    }
    return {
        "reception": reception, "steps": STEP_LABELS, "areas": AREA_LABELS,
        "damage_labels": DAMAGE_LABELS, "belongings": BELONGING_LABELS,
        "warranty": WARRANTY_LABELS, "consent": CONSENT_LABELS, "amendable": AMENDABLE,
        "amended": amended_value,
        "visit_kinds": VISIT_KIND_LABELS, "photos": photos,
        "signature": files.data_url(db.session.get(StoredFile, reception.signature_id))
        if reception.signature_id else "",
        "diagram": damage_diagram(reception.damages), "printed_on": clock.today(),
    }


def damage_diagram(damages: list) -> str:
    """The car seen from above, damaged areas shaded and numbered: an SVG data URL for
    the PDF (drawn from our own shapes, with digits only, so svglib needs no font)."""
    import base64

    marked = {}
    for number, damage in enumerate(damages, start=1):
        marked.setdefault(damage["area"], []).append(str(number))
    zones = {
        "front": (60, 10, 120, 60), "rear": (60, 330, 120, 60),
        "left": (10, 80, 45, 240), "right": (185, 80, 45, 240), "roof": (65, 120, 110, 160),
    }
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="240" height="400" '
             'viewBox="0 0 240 400">',
             '<rect x="50" y="5" width="140" height="390" rx="45" fill="none" '
             'stroke="#000" stroke-width="3"/>']
    for area, (x, y, w, h) in zones.items():
        fill = "#bbbbbb" if area in marked else "#ffffff"
        parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" '
                     'stroke="#000" stroke-width="1" stroke-dasharray="4,3"/>')
        if area in marked:
            label = ",".join(marked[area])[:12]
            parts.append(f'<text x="{x + w / 2}" y="{y + h / 2 + 6}" font-size="16" '
                         f'text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    svg = "".join(parts).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


# -- handover --------------------------------------------------------------------------------

class HandoverForms:
    """The handover's step forms (built here so labels follow the user's language)."""

    class quality(Form):  # noqa: N801 (named after its step)
        quality_passed = BooleanField(_l("Quality check passed"))
        quality_checked_by = StringField(_l("Checked by"), [InputRequired(), Length(max=100)])

        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            if not self.quality_passed.data:
                self.quality_passed.errors.append(
                    _("The car is handed over only after the quality check is passed."))
                return False
            return True

    class cleaning(Form):  # noqa: N801
        cleaned = BooleanField(_l("The car is cleaned"))
        covers_removed = BooleanField(_l("The protective covers are removed"))

        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            if not (self.cleaned.data and self.covers_removed.data):
                self.covers_removed.errors.append(_("Clean the car and take the covers off."))
                return False
            return True

    class explanation(Form):  # noqa: N801
        work_explained = BooleanField(_l("The work done has been explained"))
        cautions = TextAreaField(_l("Cautions told to the customer"), [Length(max=4000)])

        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            if not self.work_explained.data:
                self.work_explained.errors.append(_("Explain the work done to the customer."))
                return False
            return True

    class maintenance(Form):  # noqa: N801
        maintenance_advice = TextAreaField(_l("Maintenance advice"), [Length(max=4000)])
        next_maintenance_date = DateField(_l("Next maintenance (date)"), [Optional()])
        next_maintenance_km = IntegerField(_l("Next maintenance (km)"),
                                           [Optional(), NumberRange(min=0)])

    class old_parts(Form):  # noqa: N801
        old_parts = RadioField(_l("Old parts"), choices=_choices(OLD_PARTS_LABELS),
                               validators=[InputRequired()])

    class settlement(Form):  # noqa: N801
        settlement_amount = NumberField(_l("Amount settled (yuan)"),
                                        [InputRequired(), NumberRange(min=0)])
        payment_method = RadioField(_l("Paid by"), choices=_choices(PAYMENT_LABELS),
                                    validators=[InputRequired()])
        invoice_number = StringField(_l("Invoice number"), [Length(max=50)])

    class guarantee(Form):  # noqa: N801
        work_kind = RadioField(_l("Kind of work"), choices=_choices(WORK_KIND_LABELS),
                               validators=[InputRequired()])
        mileage_out = IntegerField(_l("Mileage at handover (km)"),
                                   [InputRequired(), NumberRange(min=0)])


def _handover_form(step: str, handover: Handover, formdata=None) -> Form:
    form = getattr(HandoverForms, step)(formdata) if step != "belongings" else None
    if form is not None and formdata is None:
        for name, field in form._fields.items():
            if hasattr(handover, name):
                field.data = getattr(handover, name)
        if step == "guarantee" and form.mileage_out.data is None:
            form.mileage_out.data = handover.reception.mileage
        if step == "maintenance" and form.next_maintenance_date.data is None:
            visit = handover.reception.visit
            form.next_maintenance_date.data = visit.next_maintenance_date
            form.next_maintenance_km.data = visit.next_maintenance_km
    return form


class HandoverAdmin(ChecklistScreen):
    column_list = ("reception", "customer", "quality", "completed_at", "guarantee_until")
    column_default_sort = ("id", True)
    column_labels = {
        "reception": _l("Vehicle"), "customer": _l("Customer"),
        "quality": _l("Quality check"), "completed_at": _l("Handed over"),
        "guarantee_until": _l("Guarantee until"),
    }
    column_formatters = {
        "reception": lambda v, c, m, n: row_link(f"{v.endpoint}.checklist_view",
                                                 m.reception.vehicle.plate_number,
                                                 reception=m.reception_id),
        "customer": lambda v, c, m, n: m.reception.customer.name,
        "quality": lambda v, c, m, n: m.quality_checked_by or "" if m.quality_passed else "",
    }
    column_formatters_export = {
        "reception": lambda v, c, m, n: m.reception.vehicle.plate_number,
        "customer": column_formatters["customer"], "quality": column_formatters["quality"],
    }
    can_view_details = False
    creatable = False

    own_relations = ("reception",)

    def get_query(self):
        return super().get_query().options(
            selectinload(Handover.reception).selectinload(Reception.vehicle),
            selectinload(Handover.reception).selectinload(Reception.customer),
        )

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        handover = self._record(Handover)
        return redirect(self.get_url(".checklist_view", reception=handover.reception_id))

    def _handover(self) -> Handover:
        reception = self._record(Reception, "reception")
        if not reception.is_signed:
            flash(_("The reception checklist must be signed before the handover."), "error")
            abort(redirect(url_for("reception.checklist_view", id=reception.id)))
        if reception.handover is None:
            if not self.can_edit:
                abort(404)
            db.session.add(Handover(reception=reception, steps_done={}, belongings_found={}))
            db.session.commit()
        return reception.handover

    @expose("/checklist/")
    def checklist_view(self):
        return self._render_checklist(self._handover())

    def _render_checklist(self, handover, forms=None, belongings=None, refused=None):
        """The handover page; `belongings` is what a refused belongings step sent (kept on
        the page with its message), as `forms` holds a refused step's form, and `refused`
        the id of its section (as on the reception page)."""
        forms = forms or {}
        for step in HANDOVER_STEPS:
            if step != "belongings":
                forms.setdefault(step, _handover_form(step, handover))
        missing = [s for s in HANDOVER_STEPS if s not in handover.steps_done]
        return self.render(
            "checklists/handover.html", handover=handover, reception=handover.reception,
            forms=forms, steps=HANDOVER_STEP_LABELS, missing=missing,
            pending=_pending_extra_work(handover.reception), differences_length=DIFFERENCES_LENGTH,
            posted=belongings or {"found": handover.belongings_found,
                                  "differences": handover.differences},
            belongings=BELONGING_LABELS, writable=self.can_edit,
            work_kinds=WORK_KIND_LABELS, payments=PAYMENT_LABELS, old_parts=OLD_PARTS_LABELS,
            refused=refused,
        )

    @expose("/step/", methods=("POST",))
    def step_view(self):
        self._require_write()
        handover = self._handover()
        step = request.args.get("step", "")
        if step not in HANDOVER_STEPS:
            abort(404)
        back = self.get_url(".checklist_view", reception=handover.reception_id)
        if handover.completed_at:
            flash(_("The car is handed over: the handover sheet can no longer change."), "error")
            return redirect(back)
        if refused_as_stale(handover):
            return redirect(back + f"#step-{step}")
        if step != "quality" and not handover.quality_passed:
            flash(_("First the quality check: nothing else can be ticked before it."), "error")
            return redirect(back + "#step-quality")
        if step == "belongings":
            return self._save_belongings(handover, back)
        form = getattr(HandoverForms, step)(request.form)
        if not form.validate():
            flash(_("“%(step)s” was not saved: see the messages below.",
                    step=HANDOVER_STEP_LABELS[step]), "error")
            return self._render_checklist(handover, forms={step: form},
                                          refused=f"step-{step}")
        intake = handover.reception.mileage
        if step == "guarantee" and intake is not None and form.mileage_out.data < intake:
            form.mileage_out.errors.append(_(
                "The mileage at handover cannot be lower than at reception (%(km)d km).",
                km=intake))
            flash(_("“%(step)s” was not saved: see the messages below.",
                    step=HANDOVER_STEP_LABELS[step]), "error")
            return self._render_checklist(handover, forms={step: form},
                                          refused=f"step-{step}")
        for name, value in form.data.items():
            if isinstance(value, str):
                value = value.strip() or None
            setattr(handover, name, value)
        if step == "quality":
            handover.quality_checked_at = clock.now()
        if step == "guarantee":
            handover.guarantee_until, handover.guarantee_km = rules.quality_guarantee(
                handover.work_kind, clock.today(), handover.mileage_out, settings.current())
        _mark_done(handover, step)
        db.session.commit()
        flash(_("“%(step)s” saved.", step=HANDOVER_STEP_LABELS[step]), "success")
        later = [s for s in HANDOVER_STEPS if s not in handover.steps_done]
        return redirect(back + "#" + (f"step-{later[0]}" if later else "sign"))

    def _save_belongings(self, handover: Handover, back: str):
        """Each thing that came in the car is there, or its absence is explained."""
        brought = [k for k in BELONGINGS if handover.reception.belongings.get(k)]
        found = {k: request.form.get(k) == "y" for k in brought}
        differences = (request.form.get("differences") or "").strip()
        problem = None
        if len(differences) > DIFFERENCES_LENGTH:
            problem = _("At most %(n)d characters.", n=DIFFERENCES_LENGTH)
        elif not all(found.values()) and not differences:
            problem = _("Explain each difference from the reception record.")
        if problem:
            flash(_("“%(step)s” was not saved: see the messages below.",
                    step=HANDOVER_STEP_LABELS["belongings"]), "error")
            return self._render_checklist(handover, belongings={
                "found": found, "differences": differences, "problem": problem},
                refused="step-belongings")
        handover.belongings_found = found
        handover.differences = differences or None
        _mark_done(handover, "belongings")
        db.session.commit()
        flash(_("“%(step)s” saved.", step=HANDOVER_STEP_LABELS["belongings"]), "success")
        return redirect(back + "#step-explanation")

    @expose("/sign/", methods=("POST",))
    def sign_view(self):
        """The customer inspects and signs: the visit is completed, the calls planned."""
        self._require_write()
        handover = self._handover()
        back = redirect(self.get_url(".checklist_view", reception=handover.reception_id)
                        + "#sign")
        if handover.completed_at or refused_as_stale(handover):
            return back
        missing = [str(HANDOVER_STEP_LABELS[s]) for s in HANDOVER_STEPS
                   if s not in handover.steps_done]
        if missing:
            flash(_("It cannot be signed yet; these steps are missing: %(steps)s.",
                    steps=listing(missing)), "error")
            return back
        pending = _pending_extra_work(handover.reception)
        if pending:
            flash(_("It cannot be signed yet: the customer has still to agree to or decline "
                    "this extra work: %(items)s.", items=listing(w.item for w in pending)),
                  "error")
            return back
        try:
            signature = files.store_signature(request.form.get("signature"))
        except files.FileRefused as error:
            flash(str(error), "error")
            return back
        db.session.flush()
        now = clock.now()
        handover.signature_id = signature.id
        handover.signed_by_name = ((request.form.get("signed_by_name") or "").strip()[:100]
                                   or handover.reception.customer.name)
        handover.completed_at = now
        complete_visit(handover, now)
        db.session.commit()
        flash(_("Handed over. The follow-up calls are planned."), "success")
        return back

    @expose("/pdf/")
    def pdf_view(self):
        handover = self._handover()
        data = render_pdf("pdf/handover.html", **handover_context(handover))
        plate = handover.reception.vehicle.plate_number
        return pdf_response(data, _("Handover sheet") + f"_{plate}.pdf")


def complete_visit(handover: Handover, now) -> None:
    """Handing over completes the visit: the archive gets the next maintenance and the
    mileage, and the follow-up calls are planned (DOMAIN.md "Handover")."""
    visit = handover.reception.visit
    visit.completed_at = now
    if handover.next_maintenance_date or handover.next_maintenance_km:
        visit.next_maintenance_date = handover.next_maintenance_date
        visit.next_maintenance_km = handover.next_maintenance_km
    visit.record_on_vehicle()
    vehicle = visit.vehicle
    if handover.mileage_out is not None and handover.mileage_out > (vehicle.current_mileage or 0):
        vehicle.current_mileage = handover.mileage_out  # what it leaves with (odometers go up)
    followups.plan_first_call(visit)


def handover_context(handover: Handover) -> dict:
    return {
        "handover": handover, "reception": handover.reception, "steps": HANDOVER_STEP_LABELS,
        "belongings": BELONGING_LABELS, "work_kinds": WORK_KIND_LABELS,
        "payments": PAYMENT_LABELS, "old_parts": OLD_PARTS_LABELS, "consent": CONSENT_LABELS,
        "signature": files.data_url(db.session.get(StoredFile, handover.signature_id))
        if handover.signature_id else "",
        "printed_on": clock.today(),
    }


# -- home page --------------------------------------------------------------------------------

@due_items("checklists")
def advisor_work(user) -> list[DueItem]:
    """Advisors: their open receptions, cars waiting for the quality check, handovers due."""
    if user.role not in ("service_advisor", "supervisor", "admin", "manager"):
        return []
    today = clock.today()
    mine = Reception.advisor_id == user.id if user.role == "service_advisor" else True
    view = screen(ReceptionAdmin)
    handed = select(Handover.reception_id).where(Handover.completed_at.is_not(None))
    passed = select(Handover.reception_id).where(Handover.quality_passed)
    day_start = clock.aware(datetime.combine(today, time.min))
    counts = (
        (_("Receptions in progress"), RECEPTION_STATE_FILTER, "draft", "warning",
         [Reception.signed_at.is_(None)]),
        (_("Cars waiting for the quality check"), RECEPTION_STATE_FILTER, "signed", "info",
         [Reception.signed_at.is_not(None), Reception.id.not_in(passed)]),
        (_("Handovers due today"), None, None, "danger",
         [Reception.signed_at.is_not(None), Reception.id.not_in(handed),
          Reception.promised_at < day_start + timedelta(days=1)]),
    )
    items = []
    for label, flt, value, level, where in counts:
        count = db.session.scalar(
            select(func.count()).select_from(Reception).where(mine, *where))
        if count:
            url = view.list_url((flt, value)) if flt else view.get_url("reception.index_view")
            items.append(DueItem(label, count, url, level))
    if view.can_create:
        items.append(DueItem(_("Start a reception"), None, url_for("reception.create_view"),
                             "info"))
    return items

