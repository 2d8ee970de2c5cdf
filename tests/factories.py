"""Test data made through the real models (and so through the audit hooks)."""
from functools import cache

from werkzeug.security import generate_password_hash

from backoffice.config import TestConfig
from backoffice.extensions import db
from backoffice.models import User

PASSWORD = "correct horse battery"


@cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password, method=TestConfig.PASSWORD_HASH_METHOD)


def make_user(role: str, username: str | None = None, password: str = PASSWORD, **fields) -> User:
    """A user with `role`, committed; its username is the role unless given."""
    user = User(
        username=username or role,
        display_name=fields.pop("display_name", f"测试{role}"),
        role=role,
        active=fields.pop("active", True),
        password_hash=_password_hash(password),
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def sample_user() -> int:
    return make_user("trainer", "sample_user").id


def sample_audit_row() -> int:
    from sqlalchemy import select

    from backoffice.models import AuditLog

    make_user("trainer", "audited_user")
    return db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))


# One record per screen (by endpoint), for the permission matrix to open, edit and
# delete. A new screen must add its own here: test_permissions checks that.
SAMPLES = {
    "user": sample_user,
    "audit_log": sample_audit_row,
}
