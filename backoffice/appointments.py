"""Appointments (预约): slots and capacity, the confirmation call, no-shows, arrival.

The 4S core process begins here (4S店售后管理制度, 售后服务核心流程: 预约 → 准备工作 →
接车/落单 → ...). Each advisor's day is cut into slots (settings: opening hours, slot
length); a slot takes a set number of cars per advisor, and a day a set number too.
Screens, the CLI and the demo data all go through these functions.
"""
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from . import clock, followups, rules, settings
from .extensions import db
from .formatting import format_date
from .models import HOLDING_STATUSES, Appointment, Reception, User

OPEN_STATUSES = ("booked", "confirmed")  # waiting for the customer to come


class BookingRefused(ValueError):
    """Why an appointment cannot be booked or moved so; the message is shown as it is."""


def holding():
    """SQL: the appointments that take a place in a schedule."""
    return Appointment.status.in_(HOLDING_STATUSES)


def hhmm(moment) -> str:
    """A slot's time as people say it: 09:30."""
    return f"{moment:%H:%M}"


def place(appointment: Appointment, advisor: User, starts_at: datetime) -> None:
    """Put `appointment` into `advisor`'s slot beginning at `starts_at`, or raise
    BookingRefused with the reason (nothing is changed then)."""
    current = settings.current()
    starts_at = clock.aware(starts_at).astimezone(clock.local_tz())
    slots = rules.day_slots(current)
    if not slots:
        raise BookingRefused(_("No appointment slot fits between the opening and closing "
                               "hours: see the settings."))
    if starts_at.time() not in slots:
        raise BookingRefused(_(
            "%(time)s is not the start of a slot: slots of %(minutes)d minutes begin at "
            "%(first)s, the last at %(last)s.", time=hhmm(starts_at),
            minutes=rules.setting(current, "slot_minutes"), first=hhmm(slots[0]),
            last=hhmm(slots[-1])))
    ends_at = starts_at + timedelta(minutes=rules.setting(current, "slot_minutes"))
    if ends_at <= clock.now():
        raise BookingRefused(_("This slot is over: choose a later one."))
    if advisor is None or advisor.role != "service_advisor" or not advisor.is_active:
        raise BookingRefused(_("Choose a service advisor."))
    ensure_room(appointment, advisor, starts_at, ends_at)
    appointment.advisor = advisor
    appointment.starts_at, appointment.ends_at = starts_at, ends_at


def ensure_room(appointment: Appointment, advisor: User, starts_at: datetime,
                ends_at: datetime) -> None:
    """Raise BookingRefused unless `advisor` has a place for `appointment` from
    `starts_at` (local time) to `ends_at`, in the slot and in the day, and its car has
    no other appointment that day.

    The places taken are counted inside the write transaction, after the advisor's row
    is locked: on PostgreSQL `SELECT ... FOR UPDATE` makes two app servers booking the
    same advisor wait for each other, so the second counts the first one's booking; on
    SQLite a request that writes holds the database's write lock from its first
    statement (database.py: BEGIN IMMEDIATE), which serializes bookings the same way.
    Without the lock both could see "one place left" and both book it.
    """
    current = settings.current()
    db.session.execute(select(User.id).where(User.id == advisor.id).with_for_update())
    others = select(func.count()).select_from(Appointment).where(
        Appointment.advisor_id == advisor.id, holding())
    if appointment.id is not None:
        others = others.where(Appointment.id != appointment.id)
    in_slot = db.session.scalar(
        others.where(Appointment.starts_at < ends_at, Appointment.ends_at > starts_at))
    if in_slot >= rules.setting(current, "appointments_per_slot"):
        raise BookingRefused(_(
            "%(advisor)s is fully booked from %(start)s to %(end)s: choose another slot or "
            "another advisor.", advisor=advisor.display_name, start=hhmm(starts_at),
            end=hhmm(ends_at)))
    day = starts_at.date()
    first, last = clock.day_range(day, day)
    in_day = db.session.scalar(
        others.where(Appointment.starts_at >= first, Appointment.starts_at < last))
    if in_day >= rules.setting(current, "appointments_per_day"):
        raise BookingRefused(_(
            "%(advisor)s has %(count)d appointments on %(day)s, as many as a day takes: "
            "choose another day or another advisor.", advisor=advisor.display_name,
            count=in_day, day=format_date(day)))
    vehicle_id = appointment.vehicle.id if appointment.vehicle else None
    if vehicle_id is not None:
        same_car = select(Appointment.starts_at).where(
            Appointment.vehicle_id == vehicle_id, holding(),
            Appointment.starts_at >= first, Appointment.starts_at < last)
        if appointment.id is not None:
            same_car = same_car.where(Appointment.id != appointment.id)
        booked = db.session.scalar(same_car.limit(1))
        if booked is not None:
            raise BookingRefused(_("This car is booked on %(day)s already, at %(time)s.",
                                   day=format_date(day),
                                   time=hhmm(booked.astimezone(clock.local_tz()))))


def restore(appointment: Appointment) -> None:
    """Bring a deleted appointment back (the trash). Deleting it freed its place, which may
    have been booked since: one that takes a place gets it back only if the slot, the day
    and its car pass the booking's checks, else BookingRefused and nothing changes. Its
    time may be over: the record comes back as it was."""
    if appointment.status in HOLDING_STATUSES:
        if appointment.advisor is None or not appointment.advisor.is_active:
            raise BookingRefused(_("Its service advisor's account is deactivated: book the "
                                   "car again with another advisor."))
        ensure_room(appointment, appointment.advisor,
                    appointment.starts_at.astimezone(clock.local_tz()), appointment.ends_at)
    appointment.restore()


def settle_confirmation(appointment: Appointment, user: User | None, now: datetime) -> None:
    """After booking or moving: confirmed at once when the day is so near that the
    confirmation call would be now anyway; otherwise booked, the call due the day before."""
    if rules.confirmation_due(appointment.day, now.date(), settings.current()) is None:
        appointment.status = "confirmed"
        appointment.confirmed_at, appointment.confirmed_by = now, user
    else:
        appointment.status = "booked"
        appointment.confirmed_at = appointment.confirmed_by = None


def confirmation_day(appointment: Appointment) -> date:
    """The day the confirmation call is due (DOMAIN: the day before)."""
    return appointment.day - timedelta(days=rules.setting(settings.current(),
                                                          "confirmation_days"))


def to_confirm_clause(now: datetime):
    """SQL: appointments whose confirmation call is due today or late, slot not over."""
    last = now.date() + timedelta(days=rules.setting(settings.current(), "confirmation_days"))
    _first, end = clock.day_range(last, last)
    return and_(Appointment.status == "booked", Appointment.starts_at < end,
                Appointment.ends_at > now)


def missed_clause(now: datetime):
    """SQL: appointments whose slot is over and nobody came (to be marked no-shows).
    The start bound lets the (status, starts_at) index find them."""
    return and_(Appointment.status.in_(OPEN_STATUSES), Appointment.starts_at < now,
                Appointment.ends_at <= now)


def record_confirmation(appointment: Appointment, reached: bool, note: str | None,
                        user: User, now: datetime) -> None:
    """The confirmation call: the customer confirms, or was not reached (try again)."""
    if appointment.status not in OPEN_STATUSES:
        raise BookingRefused(_("Only a booked appointment can be confirmed."))
    appointment.confirmation_attempts = (appointment.confirmation_attempts or 0) + 1
    appointment.confirmation_note = note
    if reached:
        appointment.status = "confirmed"
        appointment.confirmed_at, appointment.confirmed_by = now, user


def cancel(appointment: Appointment, reason: str, now: datetime) -> None:
    if appointment.status not in OPEN_STATUSES:
        raise BookingRefused(_("Only a booked appointment can be cancelled."))
    if not reason:
        raise BookingRefused(_("Give the reason for the cancellation."))
    appointment.status, appointment.cancel_reason = "cancelled", reason[:200]
    appointment.cancelled_at = now


def mark_no_show(appointment: Appointment, now: datetime) -> None:
    """The customer did not come: marked once the slot is over, and the customer's
    follow-up agent gets a call to make (the follow-up work queue)."""
    if appointment.status not in OPEN_STATUSES:
        raise BookingRefused(_("Only a booked appointment can be marked as a no-show."))
    if now < appointment.ends_at:
        raise BookingRefused(_("A no-show is marked after the slot ends, from %(time)s on.",
                               time=hhmm(appointment.ends_at.astimezone(clock.local_tz()))))
    appointment.status, appointment.no_show_at = "no_show", now
    appointment.no_show_call = followups.plan_no_show_call(appointment, now.date())


def mark_no_shows(now: datetime) -> int:
    """Every appointment whose slot is over with nobody arrived (the nightly command)."""
    missed = db.session.scalars(select(Appointment).where(missed_clause(now))).all()
    for appointment in missed:
        mark_no_show(appointment, now)
    return len(missed)


def ensure_arrival(appointment: Appointment, now: datetime) -> None:
    if appointment.status not in OPEN_STATUSES:
        raise BookingRefused(_("Only a booked appointment can be marked as arrived."))
    if appointment.day != now.date():
        raise BookingRefused(_("This appointment is for %(day)s: it can be received that day.",
                               day=format_date(appointment.day)))


def arrive(appointment: Appointment, reception: Reception, now: datetime) -> None:
    """The customer came: the reception begins with what the appointment knows, and the
    parts ordered for the appointment move to the reception."""
    ensure_arrival(appointment, now)
    reception.described_faults = appointment.description
    appointment.status, appointment.arrived_at = "arrived", now
    appointment.reception = reception
    for order in appointment.parts_orders:
        order.reception = order.reception or reception


def appointments_between(first: date, last: date, advisor_ids=None) -> list[Appointment]:
    """Appointments from `first` to `last` (not the cancelled), by time."""
    start, end = clock.day_range(first, last)
    query = (
        select(Appointment)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end,
               Appointment.status != "cancelled")
        .options(joinedload(Appointment.vehicle), joinedload(Appointment.customer),
                 joinedload(Appointment.advisor))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if advisor_ids is not None:
        query = query.where(Appointment.advisor_id.in_(advisor_ids))
    return list(db.session.scalars(query))


def slot_of(moment: datetime, slots: list[time]) -> time | None:
    """The slot (its start time) a moment falls in; None outside the opening hours."""
    local = moment.astimezone(clock.local_tz()).time()
    length = rules.setting(settings.current(), "slot_minutes")
    for start in reversed(slots):
        if start <= local:
            end_minutes = start.hour * 60 + start.minute + length
            return start if local.hour * 60 + local.minute < end_minutes else None
    return None
