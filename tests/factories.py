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
