"""Password policy, safe redirects and the security headers of every response."""
import itertools
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import flask
from flask import g, request
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


def csp_nonce() -> str:
    """The nonce of this response's <script> tags (the same all through one request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# Everything from this app only; scripts only from its files or with this response's
# nonce, so injected markup can run no script (no inline handlers, no javascript: links).
# Styles allow inline (Bootstrap's and Select2's scripts set them); frames nowhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _refuse_nul():
    """NUL can be in no text (PostgreSQL refuses it, and no one types it): a request with
    one in a form field or the address is refused before it reaches a screen."""
    fields = request.args.lists()
    if request.method == "POST":
        fields = itertools.chain(fields, request.form.lists())
    if any("\x00" in value for _name, values in fields for value in values):
        from .errors import render_error

        return render_error(400, _("The request holds a character no text may contain (NUL). "
                                   "Nothing was saved."))
    return None


def init_app(app: flask.Flask) -> None:
    app.before_request(_refuse_nul)

    @app.after_request
    def _headers(response):
        nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
        response.headers.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=nonce)
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
