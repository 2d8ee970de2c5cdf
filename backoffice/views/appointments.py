"""Appointments (预约): booking into an advisor's slots, the day and week schedules, the
confirmation call, no-shows, arrival into a filled-in reception, and the preparation
list for the next day (准备工作). The rules themselves are in appointments.py.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from .. import appointments, clock, followups, parts, rules, settings
from ..auth import current_role
from ..extensions import db
from ..formatting import format_date, format_datetime
from ..models import (
    APPOINTMENT_CHANNELS,
    APPOINTMENT_STATUSES,
    HOLDING_STATUSES,
    Appointment,
    Complaint,
    Customer,
    PartsOrder,
    User,
    Vehicle,
    Visit,
)
from ..pdf import pdf_response, render_pdf
from ..permissions import allowed
from ..rules import check_labels
from ..security import safe_next_url
from .archives import VISIT_KIND_LABELS, customer_search, show_mobile, vehicle_search
from .base import STALE_MESSAGE, FreshFilterOptions, SecureBaseView, SecureModelView, screen
from .checklists import new_customer_and_vehicle, start_reception
from .common import Form, OptionFilter, advisor_options, badge, row_link, users_with_role
from .followups import STAGE_LABELS
from .home import DueItem, due_items

STATUS_LABELS = {
    "booked": _l("Booked"), "confirmed": _l("Confirmed"), "arrived": _l("Arrived"),
    "no_show": _l("No-show"), "cancelled": _l("Cancelled"),
}
STATUS_BADGES = {"booked": "warning", "confirmed": "info", "arrived": "success",
                 "no_show": "danger", "cancelled": "secondary"}
CHANNEL_LABELS = {
    "phone": _l("Phone"), "walk_in": _l("Walk-in"), "wechat": _l("WeChat"),
    "website": _l("Website"),
}
check_labels(STATUS_LABELS, APPOINTMENT_STATUSES)
check_labels(CHANNEL_LABELS, APPOINTMENT_CHANNELS)
HISTORY_VISITS = 5  # visits of a car shown on the preparation list


def car_search(term: str):
    """SQL: cars found by plate (whole, start or end), VIN end, or the owner's mobile
    (whole, first or last digits) or name."""
    by_car, by_owner = vehicle_search(term), customer_search(term)
    if by_car is None:
        return None
    return or_(by_car, Vehicle.customer_id.in_(select(Customer.id).where(by_owner)))


def slot_label(start) -> str:
    """09:00–09:30."""
    length = rules.setting(settings.current(), "slot_minutes")
    end = datetime.combine(date.min, start) + timedelta(minutes=length)
    return f"{start:%H:%M}–{end:%H:%M}"


def _badge(status: str) -> Markup:
    return badge(STATUS_BADGES[status], STATUS_LABELS[status])


def _confirmation_text(model: Appointment) -> tuple[str, str | None]:
    """What the confirmation call column says, and its badge while the call is to make
    (red once late, yellow on its day)."""
    if model.status == "booked":
        due = appointments.confirmation_day(model)
        today = clock.today()
        css = "danger" if today > due else "warning" if today == due else "light"
        return _("Call on %(day)s", day=format_date(due)), css
    if model.confirmed_at:
        return _("Confirmed %(moment)s", moment=format_datetime(model.confirmed_at)), None
    return "", None


def _confirmation(view, context, model, name):
    text, css = _confirmation_text(model)
    return Markup('<span class="badge badge-{}">{}</span>').format(css, text) if css else text


def _vehicle_link(view, context, model, name):
    return row_link(f"{view.endpoint}.details_view", model.vehicle.plate_number, id=model.id)


def _day_clause(value: str):
    today = clock.today()
    first, last = {"today": (today, today), "tomorrow": (today + timedelta(days=1),) * 2,
                   "week": (today, today + timedelta(days=6))}[value]
    start, end = clock.day_range(first, last)
    return (Appointment.starts_at >= start) & (Appointment.starts_at < end)


TODO_FILTER = OptionFilter(
    Appointment.status, _l("To do"),
    {"to_confirm": _l("Confirmation call due"), "missed": _l("Slot over, not arrived")},
    lambda value: appointments.to_confirm_clause(clock.now()) if value == "to_confirm"
    else appointments.missed_clause(clock.now()),
)
DAY_FILTER = OptionFilter(
    Appointment.starts_at, _l("Day"),
    {"today": _l("Today"), "tomorrow": _l("Tomorrow"), "week": _l("Next 7 days")}, _day_clause,
)
ADVISOR_FILTER = OptionFilter(
    Appointment.advisor_id, _l("Service advisor"), advisor_options,
    lambda advisor: Appointment.advisor_id == int(advisor),
)


class AppointmentForm(Form):
    """The appointment itself; the car is chosen (or filed) beside it."""

    kind = SelectField(_l("Kind of work"), choices=list(VISIT_KIND_LABELS.items()))
    description = TextAreaField(_l("What the customer describes"), [Length(max=4000)])
    day = DateField(_l("Date"), [InputRequired()])
    slot = SelectField(_l("Time slot"), [InputRequired()])
    advisor = SelectField(_l("Service advisor"), [InputRequired()], coerce=int)
    channel = SelectField(_l("Booked through"), choices=list(CHANNEL_LABELS.items()))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot.choices = [(appointments.hhmm(s), slot_label(s))
                             for s in rules.day_slots(settings.current())]
        self.advisor.choices = [(u.id, u.display_name)
                                for u in users_with_role("service_advisor")]

    def starts_at(self) -> datetime:
        hour, minute = (int(part) for part in self.slot.data.split(":"))
        return clock.aware(datetime.combine(self.day.data, time(hour, minute)))


class AppointmentAdmin(FreshFilterOptions, SecureModelView):
    """The appointment list; booking, moving and each step have pages of their own."""

    area = "appointments"
    list_relations = ("booked_by",)
    column_list = ("starts_at", "vehicle", "customer", "kind", "advisor", "channel", "status",
                   "confirmation")
    column_details_list = (
        "starts_at", "ends_at", "vehicle", "customer", "mobile", "kind", "description",
        "advisor", "channel", "status", "confirmation", "confirmation_attempts",
        "confirmation_note", "booked_by", "created_at", "cancel_reason", "arrived_at",
        "no_show_at",
    )
    column_export_list = column_details_list
    column_default_sort = ("starts_at", True)
    column_sortable_list = ("starts_at",)
    column_searchable_list = ("vehicle.plate_number", "customer.mobile")
    column_labels = {
        "starts_at": _l("Time"), "ends_at": _l("Slot ends"), "vehicle": _l("Vehicle"),
        "vehicle.plate_number": _l("Plate number"), "customer": _l("Customer"),
        "customer.mobile": _l("Mobile"), "mobile": _l("Mobile"), "kind": _l("Kind of work"),
        "description": _l("What the customer describes"), "advisor": _l("Service advisor"),
        "channel": _l("Booked through"), "status": _l("Status"),
        "confirmation": _l("Confirmation call"),
        "confirmation_attempts": _l("Confirmation calls made"),
        "confirmation_note": _l("Confirmation note"), "booked_by": _l("Booked by"),
        "created_at": _l("Booked at"), "cancel_reason": _l("Reason for cancelling"),
        "arrived_at": _l("Arrived"), "no_show_at": _l("Marked no-show"),
    }
    column_choices = {"kind": list(VISIT_KIND_LABELS.items()),
                      "channel": list(CHANNEL_LABELS.items())}
    column_formatters = {
        "vehicle": _vehicle_link,
        "customer": lambda v, c, m, n: m.customer.name,
        "mobile": lambda v, c, m, n: show_mobile(m.customer.mobile),
        "advisor": lambda v, c, m, n: m.advisor.display_name,
        "booked_by": lambda v, c, m, n: m.booked_by.display_name if m.booked_by else "",
        "status": lambda v, c, m, n: _badge(m.status),
        "confirmation": _confirmation,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        **column_formatters,
        "vehicle": lambda v, c, m, n: m.vehicle.plate_number,
        "status": lambda v, c, m, n: str(STATUS_LABELS[m.status]),
        "confirmation": lambda v, c, m, n: _confirmation_text(m)[0],
    }
    column_filters = (
        TODO_FILTER, DAY_FILTER, ADVISOR_FILTER,
        filters.FilterEqual(Appointment.status, _l("Status"),
                            options=list(STATUS_LABELS.items())),
        filters.FilterEqual(Appointment.channel, _l("Booked through"),
                            options=list(CHANNEL_LABELS.items())),
        filters.DateTimeBetweenFilter(Appointment.starts_at, _l("Time")),
    )
    details_template = "appointments/appointment_details.html"

    def search_clause(self, text: str):
        clause = car_search(text)
        return None if clause is None else Appointment.vehicle_id.in_(
            select(Vehicle.id).where(clause))

    def _record(self) -> Appointment:
        appointment = db.session.get(Appointment, request.args.get("id", type=int) or 0)
        if appointment is None:
            abort(404)
        return appointment

    def _back(self, appointment: Appointment):
        """Back where the step was taken: the schedule, or the appointment's page."""
        return redirect(safe_next_url(request.form.get("next"),
                                      self.get_url(".details_view", id=appointment.id)))

    # -- booking and moving ---------------------------------------------------------------
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Find the car by plate or mobile (or file it in place), then the slot."""
        term = (request.args.get("q") or "").strip()
        clause = car_search(term) if term else None
        found = [] if clause is None else db.session.scalars(
            select(Vehicle).where(clause).options(joinedload(Vehicle.owner))
            .order_by(Vehicle.plate_number).limit(20)).all()
        chosen = db.session.get(Vehicle, request.values.get("vehicle", type=int) or 0)
        errors = {}
        if request.method == "POST":
            form = AppointmentForm(request.form)
            vehicle = chosen
            if vehicle is None:
                if any((request.form.get(f) or "").strip()
                       for f in ("name", "mobile", "plate_number")):
                    vehicle, errors = new_customer_and_vehicle(request.form)
                else:
                    errors["vehicle"] = _("Choose the car, or file a new customer and car.")
            if form.validate() and vehicle is not None:
                appointment = Appointment(vehicle=vehicle, customer=vehicle.owner,
                                          booked_by=current_user._get_current_object())
                if self._save(form, appointment):
                    flash(_("Booked: %(car)s, %(moment)s with %(advisor)s.",
                            car=vehicle.plate_number,
                            moment=format_datetime(appointment.starts_at),
                            advisor=appointment.advisor.display_name), "success")
                    return redirect(self.get_url(".details_view", id=appointment.id))
            db.session.rollback()
            flash(_("Nothing was booked: see the messages below."), "error")
        else:
            form = AppointmentForm(data={
                "day": _date(request.args.get("day")) or clock.today() + timedelta(days=1),
                "slot": request.args.get("slot"), "advisor": request.args.get("advisor", type=int)
                or (current_user.id if current_role() == "service_advisor" else None),
                "kind": request.args.get("kind", "maintenance"), "channel": "phone",
            })
        return self.render("appointments/book.html", form=form, term=term, found=found,
                           chosen=chosen, errors=errors, new=request.form,
                           mobile=lambda customer: show_mobile(customer.mobile))

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Move the appointment (another slot, day or advisor) or change what it is for."""
        appointment = self._record()
        if appointment.status not in appointments.OPEN_STATUSES:
            flash(_("Only a booked appointment can be changed."), "error")
            return redirect(self.get_url(".details_view", id=appointment.id))
        if request.method == "POST":
            form = AppointmentForm(request.form)
            if form.validate():
                if form.version.data != str(appointment.version):
                    flash(STALE_MESSAGE, "error")
                elif self._save(form, appointment):
                    flash(_("The appointment is saved."), "success")
                    return redirect(self.get_url(".details_view", id=appointment.id))
            db.session.rollback()
            appointment = self._record()
        else:
            local = appointment.starts_at.astimezone(clock.local_tz())
            form = AppointmentForm(data={
                "kind": appointment.kind, "description": appointment.description,
                "day": local.date(), "slot": appointments.hhmm(local),
                "advisor": appointment.advisor_id, "channel": appointment.channel,
                "version": appointment.version,
            })
        return self.render("appointments/edit.html", form=form, appointment=appointment)

    def _save(self, form: AppointmentForm, appointment: Appointment) -> bool:
        """Place the appointment and commit; False (nothing saved) when it is refused."""
        advisor = db.session.get(User, form.advisor.data)
        starts_at = form.starts_at()
        moved = (appointment.id is None or advisor.id != appointment.advisor_id
                 or starts_at != appointment.starts_at)
        appointment.kind = form.kind.data
        appointment.description = (form.description.data or "").strip() or None
        appointment.channel = form.channel.data
        if moved:
            try:
                with db.session.no_autoflush:
                    appointments.place(appointment, advisor, starts_at)
            except appointments.BookingRefused as refused:
                form.slot.errors = [*form.slot.errors, str(refused)]
                return False
            appointments.settle_confirmation(appointment, current_user._get_current_object(),
                                             clock.now())
        db.session.add(appointment)
        db.session.commit()
        return True

    def restore_record(self, appointment: Appointment) -> None:
        """Checked as a booking is (counting those restored before it)."""
        try:
            appointments.restore(appointment)
        except appointments.BookingRefused as refused:
            raise ValidationError(_(
                "the appointment of %(car)s at %(moment)s cannot come back. %(reason)s",
                car=appointment.vehicle.plate_number,
                moment=format_datetime(appointment.starts_at), reason=refused)) from refused

    # -- what happens to it ----------------------------------------------------------------
    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(self._details_context(kwargs["model"]))
        return super().render(template, **kwargs)

    def _details_context(self, appointment: Appointment) -> dict:
        now = clock.now()
        role = current_role()
        open_ = appointment.status in appointments.OPEN_STATUSES
        return {
            "status_labels": STATUS_LABELS, "status_badges": STATUS_BADGES,
            "writable": self.can_edit and open_,
            "may_receive": self.can_edit and open_ and allowed(role, "checklists", "W")
            and appointment.day == now.date(),
            "slot_over": appointment.ends_at <= now,
            "confirmation_day": appointments.confirmation_day(appointment),
            "orders": appointment.parts_orders if allowed(role, "parts", "R") else None,
            "may_order": allowed(role, "parts", "W") and open_,
            "sees_reception": allowed(role, "checklists", "R"),
            "sees_calls": allowed(role, "followups", "R"),
        }

    def _step(self, do):
        """Run one of the appointment's steps (POST); say what happened, or why not."""
        if not self.can_edit:
            abort(403)
        appointment = self._record()
        try:
            message = do(appointment, clock.now())
        except appointments.BookingRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(message, "success")
        return self._back(appointment)

    @expose("/confirm/", methods=("POST",))
    def confirm_view(self):
        reached = request.form.get("result") == "confirmed"

        def do(appointment, now):
            note = (request.form.get("note") or "").strip()[:200] or None
            appointments.record_confirmation(appointment, reached, note,
                                             current_user._get_current_object(), now)
            return (_("Confirmed by the customer.") if reached
                    else _("Not reached: try again before the day."))

        return self._step(do)

    @expose("/cancel/", methods=("POST",))
    def cancel_view(self):
        def do(appointment, now):
            appointments.cancel(appointment, (request.form.get("reason") or "").strip(), now)
            return _("The appointment is cancelled; its slot is free again.")

        return self._step(do)

    @expose("/no_show/", methods=("POST",))
    def no_show_view(self):
        def do(appointment, now):
            appointments.mark_no_show(appointment, now)
            return _("Marked as a no-show: the customer's follow-up agent will call.")

        return self._step(do)

    @expose("/arrive/", methods=("POST",))
    def arrive_view(self):
        """The customer is here: the reception checklist opens, filled in from the booking."""
        if not (self.can_edit and allowed(current_role(), "checklists", "W")):
            abort(403)
        appointment = self._record()
        now = clock.now()
        try:
            appointments.ensure_arrival(appointment, now)
        except appointments.BookingRefused as refused:
            flash(str(refused), "error")
            return self._back(appointment)
        receiver = current_user._get_current_object()
        if receiver.role != "service_advisor":
            receiver = appointment.advisor
        reception = start_reception(appointment.vehicle, receiver, appointment.kind)
        appointments.arrive(appointment, reception, now)
        db.session.commit()
        flash(_("Welcome the customer: the reception is filled in from the appointment."),
              "success")
        return redirect(url_for("reception.checklist_view", id=reception.id))


def _date(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# -- the day and week schedules --------------------------------------------------------------

class ScheduleView(SecureBaseView):
    """Each advisor's slots: a day with every advisor side by side, or one advisor's week;
    the places left, and today's arrivals."""

    area = "appointments"

    def _common(self, first: date, last: date, advisors: list[User]) -> dict:
        current = settings.current()
        slots = rules.day_slots(current)
        cells, outside, day_counts = defaultdict(list), [], Counter()
        for appointment in appointments.appointments_between(
                first, last, [a.id for a in advisors]):
            slot = appointments.slot_of(appointment.starts_at, slots)
            key = (appointment.advisor_id, appointment.day, slot)
            (cells[key] if slot else outside).append(appointment)
            if appointment.status in appointments.HOLDING_STATUSES:
                day_counts[appointment.advisor_id, appointment.day] += 1
        booking = screen(AppointmentAdmin)
        return {
            "slots": slots, "cells": cells, "outside": outside, "now": clock.now(),
            "day_counts": day_counts, "kinds": VISIT_KIND_LABELS,
            "per_slot": rules.setting(current, "appointments_per_slot"),
            "per_day": rules.setting(current, "appointments_per_day"),
            "slot_minutes": rules.setting(current, "slot_minutes"),
            "slot_label": slot_label, "status_labels": STATUS_LABELS,
            "status_badges": STATUS_BADGES, "can_book": booking.can_create,
            "can_act": booking.can_edit, "may_receive": booking.can_edit
            and allowed(current_role(), "checklists", "W"),
            "holding": HOLDING_STATUSES, "open_statuses": appointments.OPEN_STATUSES,
            "advisors": advisors, "slot_end": lambda day, slot: clock.aware(
                datetime.combine(day, slot)) + timedelta(minutes=rules.setting(
                    current, "slot_minutes")),
        }

    @expose("/")
    def index(self):
        day = _date(request.args.get("day")) or clock.today()
        advisors = users_with_role("service_advisor").all()
        context = self._common(day, day, advisors)
        arrivals = []
        if day == clock.today():
            arrivals = sorted((a for cell in context["cells"].values() for a in cell),
                              key=lambda a: (a.starts_at, a.id)) + context["outside"]
        return self.render("appointments/day.html", day=day, arrivals=arrivals,
                           weekday=_weekday(day), previous=day - timedelta(days=1),
                           following=day + timedelta(days=1), **context)

    @expose("/week/")
    def week(self):
        day = _date(request.args.get("day")) or clock.today()
        monday = day - timedelta(days=day.weekday())
        advisors = users_with_role("service_advisor").all()
        advisor = next((a for a in advisors if a.id == request.args.get("advisor", type=int)),
                       None)
        if advisor is None and current_role() == "service_advisor":
            advisor = current_user._get_current_object()
        advisor = advisor or (advisors[0] if advisors else None)
        days = [monday + timedelta(days=n) for n in range(7)]
        context = self._common(monday, days[-1], [advisor] if advisor else [])
        return self.render("appointments/week.html", advisor=advisor, days=days,
                           monday=monday, weekdays={d: _weekday(d) for d in days},
                           all_advisors=advisors, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7), **context)


def _weekday(day: date) -> str:
    return (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))[day.weekday()]


# -- preparation (准备工作) ---------------------------------------------------------------------

class PreparationView(SecureBaseView):
    """For the next day's appointments, per advisor: the customer's history, open
    complaints, the maintenance due and the parts the work needs (准备工作: 顾客资料的准备,
    配件的准备). Printed the afternoon before."""

    area = "appointments"

    def _context(self) -> dict:
        day = _date(request.args.get("day")) or clock.today() + timedelta(days=1)
        advisors = users_with_role("service_advisor").all()
        chosen = request.args.get("advisor", type=int)
        if "advisor" not in request.args and current_role() == "service_advisor":
            chosen = current_user.id  # an advisor's own, unless they ask for everyone's
        shown = [a for a in advisors if chosen is None or a.id == chosen]
        booked = [a for a in appointments.appointments_between(day, day, [a.id for a in shown])
                  if a.status in HOLDING_STATUSES]
        return {
            "day": day, "weekday": _weekday(day), "advisors": advisors, "chosen": chosen,
            "sheets": [(advisor, [a for a in booked if a.advisor_id == advisor.id])
                       for advisor in shown],
            **preparation_details(booked, allowed(current_role(), "parts", "R")),
            "kinds": VISIT_KIND_LABELS, "status_labels": STATUS_LABELS,
            "stage_labels": STAGE_LABELS, "stage": followups.complaint_stage,
            "printed_on": clock.today(),
            "mobile": lambda customer: show_mobile(customer.mobile),
        }

    @expose("/")
    def index(self):
        return self.render("appointments/preparation.html", pdf=False, **self._context())

    @expose("/pdf/")
    def pdf(self):
        context = self._context()
        data = render_pdf("pdf/preparation.html", pdf=True, **context)
        return pdf_response(data, _("Preparation list") + f"_{context['day']:%Y-%m-%d}.pdf")


def preparation_details(booked: list[Appointment], with_parts: bool) -> dict:
    """What each appointment's sheet shows, in four queries however many there are."""
    vehicle_ids = {a.vehicle_id for a in booked}
    customer_ids = {a.customer_id for a in booked}
    history = defaultdict(list)
    if vehicle_ids:
        visits = db.session.scalars(
            select(Visit).where(Visit.vehicle_id.in_(vehicle_ids))
            .options(joinedload(Visit.advisor))
            .order_by(Visit.vehicle_id, Visit.visited_at.desc()))
        for visit in visits:
            if len(history[visit.vehicle_id]) < HISTORY_VISITS:
                history[visit.vehicle_id].append(visit)
    complaints = defaultdict(list)
    if customer_ids:
        for item in db.session.scalars(
                select(Complaint).where(Complaint.customer_id.in_(customer_ids),
                                        Complaint.closed_at.is_(None))
                .order_by(Complaint.opened_on)):
            complaints[item.customer_id].append(item)
    orders = defaultdict(list)
    if with_parts and booked:
        for order in db.session.scalars(
                select(PartsOrder).where(PartsOrder.appointment_id.in_([a.id for a in booked]),
                                         PartsOrder.state != "cancelled")
                .options(parts.with_lines())):
            orders[order.appointment_id].append(order)
    return {"history": history, "complaints": complaints, "orders": orders,
            "with_parts": with_parts}


# -- home page --------------------------------------------------------------------------------

@due_items("appointments")
def appointment_work(user) -> list[DueItem]:
    """Advisors: today's appointments, confirmation calls due, slots over with nobody
    arrived, tomorrow's preparation; the supervisor, manager and admin see everyone's."""
    if user.role not in ("service_advisor", "supervisor", "admin", "manager"):
        return []
    now = clock.now()
    today = now.date()
    view = screen(AppointmentAdmin)
    mine = Appointment.advisor_id == user.id if user.role == "service_advisor" else True
    wanted = [(ADVISOR_FILTER, str(user.id))] if user.role == "service_advisor" else []
    items = []
    start, end = clock.day_range(today, today)
    expected = db.session.scalar(select(func.count()).select_from(Appointment).where(
        mine, Appointment.status.in_(appointments.OPEN_STATUSES),
        Appointment.starts_at >= start, Appointment.starts_at < end))
    if expected:
        items.append(DueItem(_("Customers expected today"), expected,
                             url_for("appointment_schedule.index"), "info"))
    for value, label, level in (("to_confirm", _("Confirmation calls due"), "warning"),
                                ("missed", _("Slot over, not arrived: mark as no-show"),
                                 "danger")):
        clause = TODO_FILTER.clause(value)
        count = db.session.scalar(select(func.count()).select_from(Appointment).where(
            mine, clause))
        if count:
            items.append(DueItem(label, count, view.list_url((TODO_FILTER, value), *wanted),
                                 level))
    items.append(DueItem(_("Preparation list for tomorrow"), None,
                         url_for("preparation.index"), "info"))
    if view.can_create:
        items.append(DueItem(_("Book an appointment"), None, url_for("appointment.create_view"),
                             "info"))
    return items
