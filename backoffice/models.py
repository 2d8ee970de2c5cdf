"""All models: users and the audit log, then each area's own, one section per area."""
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    event,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    backref,
    column_property,
    declared_attr,
    mapped_column,
    relationship,
    validates,
    with_parent,
)

from . import clock, rules
from .extensions import db


class TZDateTime(TypeDecorator):
    """A moment in time, stored as UTC and read back in the app's time zone.

    Naive values (from forms, typed in local time) are taken as local time, so
    every database stores the same instant whatever the server's zone is. Kept to the
    second, as forms show and send them: a form saved unchanged changes nothing.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=clock.local_tz())
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC).astimezone(clock.local_tz())


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        TZDateTime, default=clock.now, onupdate=clock.now
    )


class VersionMixin:
    """Optimistic locking: an UPDATE names the version it read, or changes nothing.

    The edit form carries the version too (views/base.py), so a stale form is
    refused before SQLAlchemy would raise StaleDataError.
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class SoftDeleteMixin:
    """Rows are hidden, not deleted; admin restores or purges them (audit.py hides them).

    `__soft_delete_cascade__` names the relationships whose rows go with this one (a
    customer's vehicles and visits) and come back with it when it is restored.
    """

    __soft_delete_cascade__: tuple[str, ...] = ()

    # Indexed for the trash only (see _trash_index below): nearly every row has it NULL.
    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    def soft_delete(self, when: datetime) -> None:
        self.deleted_at = when
        for name in self.__soft_delete_cascade__:
            for child in getattr(self, name):  # the ones not deleted already
                child.soft_delete(when)

    def restore(self) -> None:
        """Undelete this row and what was deleted with it (at the same moment)."""
        when, self.deleted_at = self.deleted_at, None
        for name in self.__soft_delete_cascade__:
            relation = getattr(type(self), name)
            child = relation.property.mapper.class_
            query = (
                select(child)
                .where(with_parent(self, relation), child.deleted_at == when)
                .execution_options(include_deleted=True)
            )
            for row in db.session.scalars(query):
                row.restore()


@event.listens_for(SoftDeleteMixin, "after_mapper_constructed", propagate=True)
def _trash_index(mapper, class_) -> None:
    """The deleted rows (the admin's trash), through a partial index. A plain index on
    deleted_at would hold a million NULLs, and SQLite, taking `deleted_at IS NULL` for
    a selective condition, would read a whole table through it to sort one page."""
    column = mapper.local_table.c.deleted_at
    Index(f"ix_{mapper.local_table.name}_trash", column,
          sqlite_where=column.is_not(None), postgresql_where=column.is_not(None))


def choice_index(table: str, column: str) -> Index:
    """An index for a list's filter on a column of a few values (a kind, a channel, a
    call's result), of the rows not deleted, that only those filters use.

    SQLite keeps no statistics here: it would take an index on such a column for a
    selective one and use it for any query naming the column, over a better index (the
    monthly summary, `direction = 'out'` over a date range, would read two million calls
    through it). The `column > ''` in its WHERE, true of every row with a value, keeps
    it out of their reach: SQLite uses a partial index only for queries that say the
    same term, and only the lists' filters do (`choice_term`, base._apply_filters)."""
    where = text(f"deleted_at IS NULL AND {column} > ''")
    return Index(f"ix_{table}_choice_{column}", column, sqlite_where=where,
                 postgresql_where=where)


def choice_term(column: Column):
    """The term that lets a query use the column's choice_index, or None."""
    name = f"ix_{column.table.name}_choice_{column.name}"
    if any(index.name == name for index in column.table.indexes):
        return column > literal_column("''")
    return None


def live_index(name: str, *columns: str) -> Index:
    """An index of the rows not deleted, for a list's order: a deep page (offset
    200,000) walks its entries without reading a row. Every ORM query has the
    `deleted_at IS NULL` that lets the database use it (audit.py). The entries carry
    the id (SQLite's always do) so a page's ids come from the index alone."""
    live = text("deleted_at IS NULL")
    include = [] if "id" in columns else ["id"]
    return Index(name, *columns, sqlite_where=live, postgresql_where=live,
                 postgresql_include=include)


# The calls made (and not deleted): their call time is set.
_MADE_CALLS = text("deleted_at IS NULL AND called_at IS NOT NULL")


class User(UserMixin, TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "user_account"
    __audit_redacted__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of the session id: raising it ends every session of this user.
    auth_epoch: Mapped[int] = mapped_column(default=0)
    # Set by the admin: the next sign-in leads to the password page, and nothing else
    # opens until the user has chosen a new password.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_login_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    def __str__(self) -> str:
        return self.display_name or self.username

    @validates("username")
    def _normalize_username(self, key: str, value: str) -> str:
        # One account per name whatever the case: sign-in ignores case too.
        return value.strip().lower() if value else value

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_epoch}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user."""
        self.auth_epoch = (self.auth_epoch or 0) + 1


class AuditLog(db.Model):
    """One row per created, changed or deleted record; written by audit.py, never edited."""

    __audit__ = False

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_model_record", "model", "record_id"),
        Index("ix_audit_log_record_id", "record_id"),  # its filter, without the type
        Index("ix_audit_log_username_at", "username", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(45))
    model: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16), index=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


LOGIN_OUTCOMES = ("succeeded", "failed", "locked")


class LoginAttempt(db.Model):
    """One sign-in attempt (audited like every row): what the throttle counts, kept in
    the database so that every app server counts the same attempts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime)
    username: Mapped[str] = mapped_column(String(64))  # as typed, trimmed and lower-case
    address: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(16))


class DataRevision(db.Model):
    """A token written anew by every transaction that changes an area's data
    (revisions.py): what each process checks its cache of that area's derived figures
    against. Not audited: it is not data, only a mark that data changed."""

    __tablename__ = "data_revision"
    __audit__ = False

    area: Mapped[str] = mapped_column(String(30), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


# -- Customer archives (DOMAIN.md "Customer archive") ----------------------------------

CUSTOMER_KINDS = ("person", "company")
CHANNELS = ("phone", "sms", "wechat", "post", "email")
VISIT_KINDS = ("repair", "maintenance", "consultation", "warranty", "accident")


def reversed_text(value: str | None) -> str | None:
    """The value backwards: an index on it answers "ends with" as a prefix search."""
    return value[::-1] if value else None


class Customer(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "customer"
    __table_args__ = (live_index("ix_customer_live_id", "id"),
                      live_index("ix_customer_live_updated_at", "updated_at"),
                      choice_index("customer", "kind"),
                      choice_index("customer", "preferred_channel"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True)
    # For "last 4 digits" searches through an index (see search.py).
    mobile_reversed: Mapped[str | None] = mapped_column(String(11), index=True)
    other_phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    preferred_channel: Mapped[str] = mapped_column(String(16), default="phone")
    contact_consent: Mapped[bool] = mapped_column(default=True)
    wished_services: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)

    __soft_delete_cascade__ = ("vehicles", "visits")
    # Copies kept for searching, not audited; phone numbers, masked for some roles.
    __audit_derived__ = frozenset({"mobile_reversed"})
    __contact_details__ = frozenset({"mobile", "other_phone"})

    agent = relationship(User, foreign_keys=[agent_id])
    vehicles = relationship("Vehicle", back_populates="owner", order_by="Vehicle.id")
    visits = relationship("Visit", back_populates="customer")

    def __str__(self) -> str:
        return self.name

    @validates("mobile")
    def _keep_reversed_mobile(self, key, value):
        self.mobile_reversed = reversed_text(value)
        return value


class Vehicle(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "vehicle"
    __table_args__ = (live_index("ix_vehicle_live_id", "id"),
                      live_index("ix_vehicle_live_brand", "brand"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    plate_number: Mapped[str] = mapped_column(String(16), unique=True)
    plate_reversed: Mapped[str] = mapped_column(String(16), index=True)
    vin: Mapped[str | None] = mapped_column(String(17), unique=True)
    vin_reversed: Mapped[str | None] = mapped_column(String(17), index=True)
    brand: Mapped[str | None] = mapped_column(String(50))
    vehicle_model: Mapped[str | None] = mapped_column(String(100))
    vehicle_kind: Mapped[str | None] = mapped_column(String(32), index=True)
    colour: Mapped[str | None] = mapped_column(String(30))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    registration_date: Mapped[date | None] = mapped_column(Date)
    current_mileage: Mapped[int | None] = mapped_column(Integer)
    warranty_end_date: Mapped[date | None] = mapped_column(Date)
    warranty_end_km: Mapped[int | None] = mapped_column(Integer)
    # From the latest visit, so that "maintenance due" is one indexed lookup.
    next_maintenance_date: Mapped[date | None] = mapped_column(Date, index=True)
    next_maintenance_km: Mapped[int | None] = mapped_column(Integer)

    __soft_delete_cascade__ = ("visits",)
    __audit_derived__ = frozenset({"plate_reversed", "vin_reversed"})  # (as Customer's)

    owner = relationship(Customer, back_populates="vehicles")
    visits = relationship("Visit", back_populates="vehicle")

    def __str__(self) -> str:
        return self.plate_number

    @validates("plate_number")
    def _keep_reversed_plate(self, key, value):
        self.plate_reversed = reversed_text(value)
        return value

    @validates("vin")
    def _keep_reversed_vin(self, key, value):
        self.vin_reversed = reversed_text(value)
        return value


class Visit(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A car brought in for work, or a customer's visit (送修或来访)."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_archive_open", "archived_at", "archive_due_on"),
                      live_index("ix_visit_live_visited_at", "visited_at"),
                      live_index("ix_visit_live_archive_due_on", "archive_due_on"),
                      choice_index("visit", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="maintenance")
    visited_at: Mapped[datetime] = mapped_column(TZDateTime)  # live_index above
    mileage: Mapped[int | None] = mapped_column(Integer)
    mileage_correction_reason: Mapped[str | None] = mapped_column(String(200))
    service_items: Mapped[str | None] = mapped_column(Text)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    maintenance_interval_months: Mapped[int | None] = mapped_column(Integer)
    maintenance_interval_km: Mapped[int | None] = mapped_column(Integer)
    next_maintenance_date: Mapped[date | None] = mapped_column(Date)
    next_maintenance_km: Mapped[int | None] = mapped_column(Integer)
    # The 2-day rule (rules.archive_due); kept on the row so "overdue" is indexed.
    archive_due_on: Mapped[date] = mapped_column(Date)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # The local day of archived_at: "on time" is then a plain column comparison in SQL.
    archived_on: Mapped[date | None] = mapped_column(Date)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    vehicle = relationship(Vehicle, back_populates="visits")
    customer = relationship(Customer, back_populates="visits")
    advisor = relationship(User, foreign_keys=[advisor_id])
    archived_by = relationship(User, foreign_keys=[archived_by_id])

    def __str__(self) -> str:
        return f"{clock.local_date(self.visited_at)} {self.vehicle or ''}".strip()

    @validates("visited_at")
    def _set_archive_due(self, key, value):
        from .settings import current  # settings.py reads the Setting model below

        if value is not None:
            self.archive_due_on = rules.archive_due(clock.local_date(value), current())
        return value

    @validates("archived_at")
    def _set_archived_on(self, key, value):
        self.archived_on = clock.local_date(value) if value else None
        return value

    @property
    def archive_status(self) -> str:
        """on_time, late, open or overdue (DOMAIN.md: the archive within 2 days)."""
        if self.archived_on is None:
            return "overdue" if clock.today() > self.archive_due_on else "open"
        return "on_time" if self.archived_on <= self.archive_due_on else "late"

    @classmethod
    def archive_status_clause(cls, status: str, today: date):
        """The SQL condition for archive_status == status (indexed for open and overdue)."""
        return {
            "open": and_(cls.archived_at.is_(None), cls.archive_due_on >= today),
            "overdue": and_(cls.archived_at.is_(None), cls.archive_due_on < today),
            "on_time": and_(cls.archived_at.is_not(None), cls.archived_on <= cls.archive_due_on),
            "late": and_(cls.archived_at.is_not(None), cls.archived_on > cls.archive_due_on),
        }[status]

    def record_on_vehicle(self) -> None:
        """Carry this visit's mileage and next maintenance onto its vehicle, if newest."""
        vehicle = self.vehicle
        if self.mileage is not None and (
            vehicle.current_mileage is None
            or self.mileage > vehicle.current_mileage
            or self.mileage_correction_reason
        ):
            vehicle.current_mileage = self.mileage
        if self.next_maintenance_date or self.next_maintenance_km:
            vehicle.next_maintenance_date = self.next_maintenance_date
            vehicle.next_maintenance_km = self.next_maintenance_km


class ImportBatch(TimestampMixin, db.Model):
    """An uploaded spreadsheet between its preview and its import.

    Not audited itself: each record it creates is audited on its own (source "import").
    """

    __tablename__ = "import_batch"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="preview")
    # [{"line": 2, "values": {...}, "errors": ["..."]}, ...]
    rows: Mapped[list] = mapped_column(JSON)
    imported: Mapped[int] = mapped_column(default=0)


# -- Settings ---------------------------------------------------------------------------

class Setting(TimestampMixin, VersionMixin, db.Model):
    """A setting the administrator changed from its default (settings.py)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


# -- Follow-up service (DOMAIN.md "Follow-up calls", "Letters", "Events", "Complaints") --

CALL_KINDS = ("first", "second", "notice", "inquiry", "complaint", "no_show")
CALL_RESULTS = ("yes", "no_answer", "refused", "wrong_number")
TALKING_POINTS = (
    "car_and_service", "new_needs", "car_care", "new_services", "events", "questions", "visit",
)


class Substitution(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """An absent follow-up agent's open calls go to a substitute for these days."""

    __tablename__ = "substitution"

    id: Mapped[int] = mapped_column(primary_key=True)
    absent_agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))

    absent_agent = relationship(User, foreign_keys=[absent_agent_id])
    substitute = relationship(User, foreign_keys=[substitute_id])

    def __str__(self) -> str:
        return f"{self.absent_agent} → {self.substitute}"


class Event(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A gathering, promotion or free inspection customers are invited to."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    event_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    # Whether a letter follows each notice call (DOMAIN.md: "where needed").
    send_letters: Mapped[bool] = mapped_column(default=True)

    invitations = relationship("Invitation", back_populates="event", order_by="Invitation.id")

    def __str__(self) -> str:
        return f"{self.name} ({self.event_on})"


class Invitation(TimestampMixin, db.Model):
    """A customer invited to an event: their notice call and letter hang on this."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("event_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)

    event = relationship(Event, back_populates="invitations")
    customer = relationship(Customer)


# How many are invited: one subquery in the event list's SELECT (undefer it there),
# not one query per row.
Event.invited_count = column_property(
    select(func.count(Invitation.id)).where(Invitation.event_id == Event.id)
    .correlate_except(Invitation).scalar_subquery(),
    deferred=True,
)


class FollowUpCall(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """One phone call of the follow-up service, planned or made (电话记录表).

    A planned call has a window (due_from..due_by) and an agent; recording it fills
    called_at and the rest. A call not reached is done with that result, and a retry
    is planned in the same window (its attempt number one higher).
    """

    __tablename__ = "follow_up_call"
    __table_args__ = (
        # An agent's queue (their home page: late, due today, the week ahead) counted
        # from the index alone, over the calls not deleted.
        live_index("ix_follow_up_call_queue", "status", "agent_id", "due_by", "due_from"),
        # Counts by due date ("late": due_by before today, the week ahead), answered
        # from the index alone.
        live_index("ix_follow_up_call_due", "status", "due_by", "due_from"),
        # A state's page of the list (newest first) read in index order, stopping after
        # 20 matches; its count, and an agent's queue counts, from the index alone.
        live_index("ix_follow_up_call_state", "status", "id", "due_from", "due_by",
                   "agent_id"),
        live_index("ix_follow_up_call_live_id", "id"),
        live_index("ix_follow_up_call_live_called_at", "called_at"),
        # The made calls by call time, with what "made on time / late" compares: a page
        # of those states sorted by call time read in index order, its count from the
        # index alone (else every made call was read and sorted: 2.5 s). Only for
        # queries that say `called_at IS NOT NULL` (followups._MADE): others keep theirs.
        Index("ix_follow_up_call_made_called_at", "status", "called_at", "called_on", "due_by",
              sqlite_where=_MADE_CALLS, postgresql_where=_MADE_CALLS),
        choice_index("follow_up_call", "kind"),
        choice_index("follow_up_call", "direction"),
        choice_index("follow_up_call", "reached"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), index=True)
    previous_call_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up_call.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8), default="out")
    attempt: Mapped[int] = mapped_column(default=1)
    # planned, made, closed (not made, with close_reason)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    due_from: Mapped[date | None] = mapped_column(Date)
    due_by: Mapped[date | None] = mapped_column(Date, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    called_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # The local day of called_at, for "made on time" and period counts in SQL.
    called_on: Mapped[date | None] = mapped_column(Date, index=True)
    reached: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list | None] = mapped_column(JSON)
    key_points: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    answered: Mapped[bool | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    follow_up_item: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(200))

    customer = relationship(Customer)
    vehicle = relationship(Vehicle)
    visit = relationship(Visit)
    invitation = relationship(Invitation)
    agent = relationship(User, foreign_keys=[agent_id])
    previous_call = relationship("FollowUpCall", remote_side=[id])

    def __str__(self) -> str:
        return f"{self.customer} · {self.due_by or ''}"

    @property
    def made_on(self) -> date | None:
        return self.called_on

    @validates("called_at")
    def _set_called_on(self, key, value):
        self.called_on = clock.local_date(value) if value else None
        return value



class Complaint(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A customer's complaint, or a request the agent could not answer on the call.

    Complaints: receive → analyse the cause → resolve → track → feed back and close.
    Requests: open → solution found (escalated to the supervisor when still open after
    2 days) → the customer answered the same day → closed.
    """

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_open", "closed_at", "kind", "opened_on"),
                      live_index("ix_complaint_live_due_on", "due_on"),
                      # The responsible's filter, and an agent's open ones counted on
                      # their home page (closed_at IS NULL searched in the index).
                      Index("ix_complaint_owner", "owner_id", "closed_at"),
                      choice_index("complaint", "kind"),
                      choice_index("complaint", "severity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="complaint")  # or "request"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_call.id"), index=True)
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8), default="medium")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    cause: Mapped[str | None] = mapped_column(Text)
    analysed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    tracking: Mapped[str | None] = mapped_column(Text)
    tracked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    feedback: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    customer = relationship(Customer)
    vehicle = relationship(Vehicle)
    call = relationship(FollowUpCall, foreign_keys=[call_id])
    owner = relationship(User, foreign_keys=[owner_id])

    def __str__(self) -> str:
        return self.summary


class LetterTemplate(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A letter to send to many customers at once; {name} etc. are filled per customer."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    def __str__(self) -> str:
        return self.name


class Letter(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A letter sent, or due, to a customer (跟踪服务信函登记表)."""

    __tablename__ = "letter"
    __table_args__ = (live_index("ix_letter_live_id", "id"),
                      choice_index("letter", "kind"),
                      choice_index("letter", "channel"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # notice, invitation, reply
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="post")
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    sent_on: Mapped[date | None] = mapped_column(Date, index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_call.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))

    customer = relationship(Customer)
    sender = relationship(User, foreign_keys=[sender_id])
    invitation = relationship(Invitation)
    call = relationship(FollowUpCall)
    complaint = relationship(Complaint)

    def __str__(self) -> str:
        return self.subject


class Summary(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """The supervisor's monthly or yearly summary (月度小结 / 年度总结), frozen once filed."""

    __tablename__ = "summary"
    __table_args__ = (UniqueConstraint("period", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))  # month, year
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON)
    comments: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    filed_by = relationship(User)

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m}" if self.period == "month" else f"{self.starts_on:%Y}"


# -- Stored files (signatures, photos, scans): in the database or a bucket every server reads --

class StoredFile(db.Model):
    """A file every app server behind the balancer can serve: its bytes in the row, or in
    the S3-compatible bucket under `object_key` (files.py)."""

    __tablename__ = "stored_file"
    __audit__ = False  # the record that points to it is audited; the bytes are not
    __table_args__ = (
        CheckConstraint("(data IS NULL) <> (object_key IS NULL)", name="data_or_object_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))  # signature, damage_photo, ...
    mimetype: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    object_key: Mapped[str | None] = mapped_column(String(200))  # never looked up by it
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


# -- Reception and handover (DOMAIN.md "Reception", "Handover") -------------------------------

RECEPTION_STEPS = (
    "covers", "walk_around", "damage", "belongings", "consultation", "diagnosis",
    "documents", "parts", "estimate",
)
DAMAGE_AREAS = ("front", "rear", "left", "right", "roof")
DAMAGE_KINDS = ("scratch", "dent", "crack", "other")
BELONGINGS = ("spare_tyre", "tools", "warning_triangle", "extinguisher")
WARRANTY_DECISIONS = ("yes", "no", "after_diagnosis")


class Reception(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """The reception checklist (接车登记表), walked through with the customer and signed.

    Each step is saved as it is done (`steps_done`); once signed the record is read
    only, and corrections are amendments kept beside it.
    """

    __tablename__ = "reception"
    __table_args__ = (Index("ix_reception_open", "signed_at", "advisor_id"),
                      live_index("ix_reception_live_started_at", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=clock.now)
    steps_done: Mapped[dict] = mapped_column(JSON, default=dict)
    # covers
    seat_cover: Mapped[bool] = mapped_column(default=False)
    wheel_cover: Mapped[bool] = mapped_column(default=False)
    floor_mat: Mapped[bool] = mapped_column(default=False)
    # walk-around
    mileage: Mapped[int | None] = mapped_column(Integer)
    fuel_eighths: Mapped[int | None] = mapped_column(Integer)
    # damage: [{"area": "front", "kind": "scratch", "note": "...", "photo_id": 3}, ...]
    damages: Mapped[list] = mapped_column(JSON, default=list)
    # belongings: {"spare_tyre": true, ...}, and anything else of value
    belongings: Mapped[dict] = mapped_column(JSON, default=dict)
    valuables: Mapped[str | None] = mapped_column(Text)
    # the customer's words
    described_faults: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[str | None] = mapped_column(Text)
    # the advisor's judgement
    fault_confirmation: Mapped[str | None] = mapped_column(Text)
    warranty_decision: Mapped[str | None] = mapped_column(String(16))
    warranty_reason: Mapped[str | None] = mapped_column(Text)
    # documents received
    vehicle_licence: Mapped[bool] = mapped_column(default=False)
    maintenance_book: Mapped[bool] = mapped_column(default=False)
    # parts
    parts_in_stock: Mapped[bool | None] = mapped_column()
    parts_expected_on: Mapped[date | None] = mapped_column(Date)
    parts_note: Mapped[str | None] = mapped_column(Text)
    # estimate
    estimate_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    promised_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    # signature
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    signed_by_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    vehicle = relationship(Vehicle)
    customer = relationship(Customer)
    visit = relationship(Visit)
    advisor = relationship(User, foreign_keys=[advisor_id])
    extra_work = relationship("ExtraWork", back_populates="reception", order_by="ExtraWork.id")
    amendments = relationship("Amendment", back_populates="reception", order_by="Amendment.id")
    handover = relationship("Handover", back_populates="reception", uselist=False)

    def __str__(self) -> str:
        return f"{self.vehicle} {clock.local_date(self.started_at)}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Amendment(TimestampMixin, db.Model):
    """A correction to a signed reception: the signed values stay as they were."""

    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200))
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    reception = relationship(Reception, back_populates="amendments")
    made_by = relationship(User)


class ExtraWork(TimestampMixin, VersionMixin, db.Model):
    """Work found during the repair (维修增项): done only with the customer's consent."""

    __tablename__ = "extra_work"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception.id"), index=True)
    item: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    extra_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    extra_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    consent_how: Mapped[str | None] = mapped_column(String(16))  # in_person, phone, ...
    consent_by: Mapped[str | None] = mapped_column(String(100))  # who agreed
    consent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    consent_taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    declined: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    reception = relationship(Reception, back_populates="extra_work")
    consent_taken_by = relationship(User)


class Handover(TimestampMixin, VersionMixin, db.Model):
    """The handover checklist (交车单): the quality check first, the customer's signature last."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("reception.id"), unique=True)
    steps_done: Mapped[dict] = mapped_column(JSON, default=dict)
    quality_passed: Mapped[bool] = mapped_column(default=False)
    quality_checked_by: Mapped[str | None] = mapped_column(String(100))
    quality_checked_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    cleaned: Mapped[bool] = mapped_column(default=False)
    covers_removed: Mapped[bool] = mapped_column(default=False)
    # {"spare_tyre": true, ...} as found at handover, and each difference explained
    belongings_found: Mapped[dict] = mapped_column(JSON, default=dict)
    differences: Mapped[str | None] = mapped_column(Text)
    work_explained: Mapped[bool] = mapped_column(default=False)
    cautions: Mapped[str | None] = mapped_column(Text)
    maintenance_advice: Mapped[str | None] = mapped_column(Text)
    next_maintenance_date: Mapped[date | None] = mapped_column(Date)
    next_maintenance_km: Mapped[int | None] = mapped_column(Integer)
    old_parts: Mapped[str | None] = mapped_column(String(16))  # returned, not_wanted, none
    settlement_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    payment_method: Mapped[str | None] = mapped_column(String(16))
    invoice_number: Mapped[str | None] = mapped_column(String(50))
    work_kind: Mapped[str | None] = mapped_column(String(16))  # rules.GUARANTEE_KINDS
    mileage_out: Mapped[int | None] = mapped_column(Integer)
    guarantee_until: Mapped[date | None] = mapped_column(Date)
    guarantee_km: Mapped[int | None] = mapped_column(Integer)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    signed_by_name: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)

    reception = relationship(Reception, back_populates="handover")


# -- Safety (DOMAIN.md "Safety") ------------------------------------------------------------

SAFETY_AREAS = ("workshop", "warehouse", "paint_booth", "wash_bay", "office")
SCHEDULES = ("daily", "weekly", "monthly")
ITEM_GROUPS = ("equipment", "people", "materials", "electrical_height", "fire")
INSPECTION_KINDS = ("routine", "special", "holiday", "after_accident")
ANSWERS = ("pass", "fail", "na")
HAZARD_LEVELS = ("major", "general")


class InspectionTemplate(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A checklist for safety inspections: grouped items, the areas, how often."""

    __tablename__ = "inspection_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    schedule: Mapped[str] = mapped_column(String(16), default="weekly")
    areas: Mapped[list] = mapped_column(JSON, default=list)

    items = relationship("InspectionItem", back_populates="template",
                         order_by="(InspectionItem.position, InspectionItem.id)")

    def __str__(self) -> str:
        return self.name


class InspectionItem(TimestampMixin, db.Model):
    """One thing to check, in a group of a template."""

    __tablename__ = "inspection_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("inspection_template.id"), index=True)
    group: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    template = relationship(InspectionTemplate, back_populates="items")

    def __str__(self) -> str:
        return self.text


_SIGNED_AND_LIVE = text("signed_at IS NOT NULL AND deleted_at IS NULL")


class SafetyInspection(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A safety inspection of an area against a template; read only once signed off."""

    __tablename__ = "safety_inspection"
    # The inspection schedule (safety.schedule): each template and area's last signed
    # inspection, from the index alone.
    __table_args__ = (Index("ix_safety_inspection_schedule", "template_id", "area",
                            "inspected_on", sqlite_where=_SIGNED_AND_LIVE,
                            postgresql_where=_SIGNED_AND_LIVE),
                      choice_index("safety_inspection", "area"),
                      choice_index("safety_inspection", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(32))
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="routine")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_template.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inspector = relationship(User, foreign_keys=[inspector_id])
    signed_by = relationship(User, foreign_keys=[signed_by_id])
    template = relationship(InspectionTemplate)
    answers = relationship("InspectionAnswer", back_populates="inspection",
                           order_by="InspectionAnswer.id")

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.area}"


class InspectionAnswer(TimestampMixin, db.Model):
    """An item's answer in an inspection (its text copied: templates change later)."""

    __tablename__ = "inspection_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("safety_inspection.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_item.id"))
    group: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    result: Mapped[str | None] = mapped_column(String(8))  # pass, fail, na
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    inspection = relationship(SafetyInspection, back_populates="answers")


class Hazard(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A hazard (隐患): rectified by its deadline, verified by the safety officer."""

    __tablename__ = "hazard"
    __table_args__ = (Index("ix_hazard_open", "closed_at", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16), default="general")
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    found_on: Mapped[date] = mapped_column(Date, index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("safety_inspection.id"),
                                                      index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_answer.id"))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                       index=True)
    deadline: Mapped[date] = mapped_column(Date)
    measures: Mapped[str | None] = mapped_column(Text)
    rectified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    verified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verification_note: Mapped[str | None] = mapped_column(Text)
    failed_verifications: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    found_by = relationship(User, foreign_keys=[found_by_id])
    responsible = relationship(User, foreign_keys=[responsible_id])
    rectified_by = relationship(User, foreign_keys=[rectified_by_id])
    verified_by = relationship(User, foreign_keys=[verified_by_id])
    inspection = relationship(SafetyInspection)

    def __str__(self) -> str:
        return self.description[:50]


class Equipment(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A machine or device in the workshop: serviced on schedule, stopped when faulty."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(100))
    qualification: Mapped[str | None] = mapped_column(String(32))  # a trade, e.g. electrician
    service_interval_days: Mapped[int | None] = mapped_column(Integer)
    last_service_on: Mapped[date | None] = mapped_column(Date)
    next_service_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_service")  # or stopped
    stopped_reason: Mapped[str | None] = mapped_column(Text)

    services = relationship("EquipmentService", back_populates="equipment",
                            order_by="EquipmentService.done_on.desc()")

    def __str__(self) -> str:
        return self.name


class EquipmentService(TimestampMixin, db.Model):
    """A maintenance or a repair of a piece of equipment."""

    __tablename__ = "equipment_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # maintenance, repair
    done_on: Mapped[date] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)

    equipment = relationship(Equipment, back_populates="services")


class EmergencyPlan(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "emergency_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    edition: Mapped[str | None] = mapped_column(String(32))  # e.g. "2026 版"
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    def __str__(self) -> str:
        return f"{self.title} {self.version or ''}".strip()


class Drill(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """An emergency drill (应急演练)."""

    __tablename__ = "drill"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_plan.id"))
    scenario: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str | None] = mapped_column(Text)
    improvements: Mapped[str | None] = mapped_column(Text)

    plan = relationship(EmergencyPlan)

    def __str__(self) -> str:
        return self.scenario


class Accident(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """An accident: reported, investigated, closed when every corrective action is done."""

    __tablename__ = "accident"

    id: Mapped[int] = mapped_column(primary_key=True)
    happened_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    area: Mapped[str] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(String(200))
    people: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    injuries: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    actions = relationship("CorrectiveAction", back_populates="accident",
                           order_by="CorrectiveAction.id")

    def __str__(self) -> str:
        return self.description[:50]


class CorrectiveAction(TimestampMixin, db.Model):
    __tablename__ = "corrective_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("accident.id"), index=True)
    action: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deadline: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    accident = relationship(Accident, back_populates="actions")
    owner = relationship(User)


class SafetyRecord(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """The register of safety violations and commendations (奖惩)."""

    __tablename__ = "safety_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # violation, commendation
    person: Mapped[str] = mapped_column(String(100))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    what: Mapped[str] = mapped_column(Text)
    measure: Mapped[str | None] = mapped_column(Text)


# -- Training (DOMAIN.md "Training") ----------------------------------------------------------

TRAINING_KINDS = ("onboarding", "periodic", "technical", "service_skill", "customer_service",
                  "safety", "management")
TRAINING_METHODS = ("classroom", "online", "on_the_floor", "mentoring")
TRADES = ("electrician", "welder", "pressure_vessel", "forklift", "height_work", "painter")
CERTIFICATE_KINDS = ("special_operations", "vocational", "quality_inspector", "other")


class Employee(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    department: Mapped[str | None] = mapped_column(String(50), index=True)
    position: Mapped[str | None] = mapped_column(String(50), index=True)
    hired_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # or left
    trades: Mapped[list] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)

    user = relationship(User)
    attendances = relationship("Attendance", back_populates="employee")
    certificates = relationship("Certificate", back_populates="employee")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class TrainingSession(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    method: Mapped[str] = mapped_column(String(32), default="classroom")
    held_on: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    trainer: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str | None] = mapped_column(Text)
    materials_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    pass_mark: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))

    attendances = relationship("Attendance", back_populates="session",
                               order_by="Attendance.id")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class Attendance(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool | None] = mapped_column()

    session = relationship(TrainingSession, back_populates="attendances")
    employee = relationship(Employee, back_populates="attendances")


class TrainingRequirement(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """Training a position must have: of a kind, within days of hire or every N months."""

    __tablename__ = "training_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[str | None] = mapped_column(String(50), index=True)  # None: everyone
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(200))  # a particular session title
    within_days_of_hire: Mapped[int | None] = mapped_column(Integer)
    every_months: Mapped[int | None] = mapped_column(Integer)

    def __str__(self) -> str:
        return f"{self.position or '*'}: {self.title or self.kind}"


class Certificate(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    trade: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    review_due: Mapped[date | None] = mapped_column(Date, index=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    employee = relationship(Employee, back_populates="certificates")

    def __str__(self) -> str:
        return f"{self.employee} {self.number or self.kind}"


# -- Appointments (the 4S core process: 预约 → 准备工作 → 接车, 4S店售后管理制度) -----------

APPOINTMENT_CHANNELS = ("phone", "walk_in", "wechat", "website")
APPOINTMENT_STATUSES = ("booked", "confirmed", "arrived", "no_show", "cancelled")
# The statuses that hold a place in an advisor's schedule.
HOLDING_STATUSES = ("booked", "confirmed", "arrived")


class Appointment(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A car booked into a service advisor's time slot (预约).

    booked → confirmed (the call the day before) → arrived (the reception begins) or
    no_show (after the slot ends: a follow-up call is planned); cancelled with a reason.
    `ends_at` is kept: a later change of the slot length leaves booked slots as they were.
    """

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_advisor_slot", "advisor_id", "starts_at"),
        Index("ix_appointment_status_slot", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16), default="maintenance")  # VISIT_KINDS
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(TZDateTime)
    channel: Mapped[str] = mapped_column(String(16), default="phone", index=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmation_attempts: Mapped[int] = mapped_column(default=0)
    confirmation_note: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    arrived_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception.id"), index=True)
    no_show_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    no_show_call_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_call.id"),
                                                        index=True)

    customer = relationship(Customer)
    vehicle = relationship(Vehicle)
    advisor = relationship(User, foreign_keys=[advisor_id])
    booked_by = relationship(User, foreign_keys=[booked_by_id])
    confirmed_by = relationship(User, foreign_keys=[confirmed_by_id])
    reception = relationship(Reception)
    # The call's page shows which appointment was missed.
    no_show_call = relationship(FollowUpCall, backref=backref("no_show_of", uselist=False))
    parts_orders = relationship("PartsOrder", back_populates="appointment",
                                order_by="PartsOrder.id")

    def __str__(self) -> str:
        moment = clock.aware(self.starts_at).astimezone(clock.local_tz())
        return f"{moment:%Y-%m-%d %H:%M} {self.vehicle or ''}".strip()

    @property
    def day(self) -> date:
        return clock.local_date(self.starts_at)


# -- Parts supply (配件供应, 汽车零部件售后服务管理制度 第八条) ---------------------------------

PART_ORIGINS = ("original", "compatible")
PART_UNITS = ("piece", "set", "pair", "litre", "bottle", "box", "metre", "kg")
STOCK_MOVES = ("in", "out", "adjust")
ORDER_STATES = ("open", "awaiting_stock", "ready", "handed_over", "accepted", "rejected",
                "cancelled")
DELIVERY_METHODS = ("handover", "shipped")


class Part(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """A catalogue entry with its stock on hand.

    The stock changes only through parts.py, by conditional UPDATEs that keep it at
    zero or above (the CHECK constraint is the last guard), each with a StockMovement.
    """

    __tablename__ = "part"
    __table_args__ = (
        CheckConstraint("stock_on_hand >= 0", name="stock_not_negative"),
        # "Below the reorder level" compares two columns: answered from this index alone.
        Index("ix_part_reorder", "stock_on_hand", "reorder_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    brand: Mapped[str | None] = mapped_column(String(50))
    origin: Mapped[str] = mapped_column(String(16), default="original", index=True)
    unit: Mapped[str] = mapped_column(String(16), default="piece")
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    stock_on_hand: Mapped[int] = mapped_column(default=0)
    reorder_level: Mapped[int] = mapped_column(default=0)
    location: Mapped[str | None] = mapped_column(String(32))  # the shelf in the warehouse

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PartsOrder(TimestampMixin, VersionMixin, SoftDeleteMixin, db.Model):
    """Parts a customer (or a reception, or an appointment) needs: the stock is checked,
    the parts are handed over or shipped, the customer accepts them or not (第八条)."""

    __tablename__ = "parts_order"
    __table_args__ = (Index("ix_parts_order_state", "state", "ordered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"),
                                                       index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                      index=True)
    ordered_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    notes: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expected_on: Mapped[date | None] = mapped_column(Date)  # when parts short will arrive
    delivery: Mapped[str | None] = mapped_column(String(16))  # DELIVERY_METHODS
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    tracking: Mapped[str | None] = mapped_column(String(100))  # carrier and number
    accepted_on: Mapped[date | None] = mapped_column(Date)
    quality_problem: Mapped[str | None] = mapped_column(Text)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    customer = relationship(Customer)
    vehicle = relationship(Vehicle)
    reception = relationship(Reception)
    appointment = relationship(Appointment, back_populates="parts_orders")
    handled_by = relationship(User, foreign_keys=[handled_by_id])
    checked_by = relationship(User, foreign_keys=[checked_by_id])
    handed_over_by = relationship(User, foreign_keys=[handed_over_by_id])
    complaint = relationship(Complaint)
    lines = relationship("PartsOrderLine", back_populates="order", order_by="PartsOrderLine.id",
                         cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order number people quote: its day and its id (20261127-0042)."""
        return f"{self.ordered_on:%Y%m%d}-{self.id or 0:04d}"


class PartsOrderLine(TimestampMixin, db.Model):
    __tablename__ = "parts_order_line"
    __table_args__ = (
        UniqueConstraint("order_id", "part_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("parts_order.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # as when ordered

    order = relationship(PartsOrder, back_populates="lines")
    part = relationship(Part)

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity}"


class StockMovement(db.Model):
    """One change of a part's stock: in, out (a hand-over, or by hand) or adjust (a count).

    Never changed or deleted: the movements of a part add up to its stock on hand.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (
        Index("ix_stock_movement_part_at", "part_id", "at"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    kind: Mapped[str] = mapped_column(String(8), index=True)  # STOCK_MOVES
    quantity: Mapped[int] = mapped_column(Integer)  # signed: + in, - out
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=clock.now, index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("parts_order_line.id"),
                                                      index=True)

    part = relationship(Part)
    user = relationship(User)
    order_line = relationship(PartsOrderLine)

    def __str__(self) -> str:
        return f"{self.part} {self.quantity:+d}"
