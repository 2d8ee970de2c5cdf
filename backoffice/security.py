"""Password policy, safe redirects and the security headers of every response."""
from pathlib import Path
from urllib.parse import urlsplit

import flask
from flask import request
from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 10
_COMMON = frozenset(
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text().splitlines()
    if line.strip() and not line.startswith("#")
)


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Why `password` may not be used, in the user's language; empty when it may."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if username and password.strip().lower() == username.strip().lower():
        problems.append(_("The password must not be the username."))
    if password.lower() in _COMMON:
        problems.append(_("This password is too common; choose another."))
    return problems


def safe_next_url(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or any(c in target for c in "\\\r\n\t"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


class Flask(flask.Flask):
    """Flask whose responses over https mark every cookie Secure.

    Done here, after the session cookie is written (which happens after the
    after_request hooks), so that the session and remember cookies both get it.
    """

    def process_response(self, response):
        response = super().process_response(response)
        if request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            response.headers.remove("Set-Cookie")
            for cookie in cookies:
                if "; secure" not in cookie.lower():
                    cookie += "; Secure"
                response.headers.add("Set-Cookie", cookie)
        return response


def init_app(app: flask.Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
