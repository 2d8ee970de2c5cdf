"""Sign-in throttling: after 5 failed sign-ins for one username, or 20 from one address,
within 15 minutes, further attempts are refused for 15 minutes (issue 10). The attempts
are rows in the database, so every gunicorn worker and app server counts the same ones.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from .extensions import db
from .models import LoginAttempt

WINDOW = timedelta(minutes=15)
USERNAME_LIMIT = 5
ADDRESS_LIMIT = 20


def normalized(username: str) -> str:
    return username.strip().lower()[:64]


def locked_until(username: str, address: str | None, now: datetime) -> datetime | None:
    """When sign-ins for `username` or from `address` may be tried again, if not now.

    A username's failures count from its last successful sign-in on."""
    since = now - 2 * WINDOW
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username,
                                                LoginAttempt.outcome == "succeeded"))
    checks = [(LoginAttempt.username == username, USERNAME_LIMIT,
               max(since, last_success) if last_success else since)]
    if address:
        checks.append((LoginAttempt.address == address, ADDRESS_LIMIT, since))
    for who, limit, after in checks:
        failures = db.session.scalars(
            select(LoginAttempt.at)
            .where(who, LoginAttempt.outcome == "failed", LoginAttempt.at > after)
            .order_by(LoginAttempt.at.desc()).limit(limit)
        ).all()
        if len(failures) == limit and failures[0] - failures[-1] <= WINDOW:
            until = failures[0] + WINDOW
            if now < until:
                return until
    return None


def record(username: str, address: str | None, outcome: str, now: datetime) -> None:
    """Note an attempt (committed with the rest of the request's work)."""
    db.session.add(LoginAttempt(at=now, username=username, address=address, outcome=outcome))
