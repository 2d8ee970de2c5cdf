"""All models: users and the audit log now; each area adds its own below."""
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, validates

from . import clock
from .extensions import db


class TZDateTime(TypeDecorator):
    """A moment in time, stored as UTC and read back in the app's time zone.

    Naive values (from forms, typed in local time) are taken as local time, so
    every database stores the same instant whatever the server's zone is.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=clock.local_tz())
        return value.astimezone(UTC).replace(tzinfo=None)

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
    """Rows are hidden, not deleted; admin restores or purges them (audit.py hides them)."""

    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


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
