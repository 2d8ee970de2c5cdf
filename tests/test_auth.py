"""Signing in and out, sessions, cookies and redirects."""
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask_login import login_user, logout_user
from sqlalchemy import select

from backoffice.auth import current_role
from backoffice.extensions import db, login_manager
from backoffice.models import AuditLog, User
from backoffice.security import safe_next_url

from .conftest import Auth, csrf_token
from .factories import PASSWORD, make_user


def set_cookie(response, name: str) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_login_page_is_chinese_with_the_expected_fields(client):
    """Does /login show a Chinese form with username, password and csrf_token?"""
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="csrf_token"' in html
    assert "登录" in html
    assert "用户名" in html
    assert "密码" in html


def test_login_and_logout(client, auth):
    """Does a correct password sign in (to the home page) and signing out end it?"""
    make_user("admin")
    response = auth.login("admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "工作台" in client.get("/admin/").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_in_chinese(client, auth):
    """Is a wrong password refused with a Chinese message and no session?"""
    make_user("admin")
    response = auth.login("admin", "wrong password!")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_user_gets_the_same_message(auth):
    response = auth.login("nobody", "whatever12345")
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_username_is_case_insensitive(auth):
    make_user("admin")
    assert auth.login("ADMIN").status_code == 302


def test_inactive_user_cannot_sign_in(auth):
    make_user("supervisor", active=False)
    response = auth.login("supervisor")
    assert response.status_code == 200
    assert "停用" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client):
    """Is a login POST without the CSRF token refused (400, Chinese page)?"""
    make_user("admin")
    response = client.post("/login", data={"username": "admin", "password": "x" * 12})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/user/", "/admin/user/"),
        ("/admin/user/?page=2", "/admin/user/?page=2"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example/", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
        ("evil.example", "/admin/"),
        ("/admin/\r\nSet-Cookie: x=1", "/admin/"),
        ("", "/admin/"),
    ],
)
def test_next_only_redirects_to_local_paths(client, auth, target, expected):
    """Does `next` only ever lead to a path on this site?"""
    make_user("admin")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "admin", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.headers["Location"] == expected


def test_safe_next_url_unit():
    assert safe_next_url("/a?b=c", "/d") == "/a?b=c"
    assert safe_next_url(None, "/d") == "/d"
    assert safe_next_url("http:/x", "/d") == "/d"


def test_cookies_are_httponly_and_lax(client, auth):
    """Are the session and remember cookies HttpOnly and SameSite=Lax, not Secure on http?"""
    make_user("admin")
    response = auth.login("admin", remember="y")
    for cookie in (set_cookie(response, "session"), set_cookie(response, "remember_token")):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_remember_cookie_lasts_at_most_14_days(auth):
    make_user("admin")
    response = auth.login("admin", remember="y")
    cookie = set_cookie(response, "remember_token")
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert 13 <= (expires - datetime.now(UTC)).days <= 14


def test_cookies_are_secure_over_https(client):
    """Behind https every cookie we set is Secure, and HSTS is sent."""
    make_user("admin")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"username": "admin", "password": PASSWORD, "csrf_token": token, "remember": "y"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "Secure" in cookie
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_every_script_carries_this_responses_nonce(auth, client):
    """The pages' script links are made once and kept (views/base.page_assets): each
    response still gives them its own nonce, the one its Content-Security-Policy names."""
    make_user("admin")
    auth.login("admin")
    nonces = []
    for _ in range(2):
        response = client.get("/admin/customer/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        scripts = re.findall(r"<script ([^>]*)>", response.get_data(as_text=True))
        assert len(scripts) > 5
        assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_session_protection_is_strong(app):
    assert login_manager.session_protection == "strong"


def test_logout_ends_every_session_of_the_user(app):
    """Does signing out on one device sign the user out on the others (remember cookie too)?"""
    make_user("admin")
    phone, desk = app.test_client(), app.test_client()
    Auth(phone).login("admin", remember="y")
    Auth(desk).login("admin", remember="y")
    assert desk.get("/admin/").status_code == 200
    Auth(phone).logout()
    assert desk.get("/admin/").status_code == 302


def test_deactivated_user_is_signed_out(app, client, auth):
    user = make_user("supervisor")
    auth.login("supervisor")
    assert client.get("/admin/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_logout_get_shows_a_confirmation_form(client, auth):
    make_user("admin")
    auth.login("admin")
    html = client.get("/logout").get_data(as_text=True)
    assert "退出登录" in html
    assert 'name="csrf_token"' in html
    assert client.get("/admin/").status_code == 200  # a GET does not sign out


def test_last_login_is_recorded(app, auth):
    make_user("admin")
    auth.login("admin")
    assert db.session.get(User, 1).last_login_at is not None


def test_a_hash_with_older_settings_is_renewed_at_sign_in(app):
    """A password hashed with older settings (Werkzeug's default scrypt) is hashed again
    with today's when its owner signs in; their other sessions go on."""
    from werkzeug.security import check_password_hash, generate_password_hash

    user = make_user("admin")
    user.password_hash = generate_password_hash(PASSWORD, method="scrypt:2048:8:1")
    db.session.commit()
    desk, phone = app.test_client(), app.test_client()
    assert Auth(desk).login("admin").status_code == 302
    method = app.config["PASSWORD_HASH_METHOD"]
    db.session.refresh(user)
    assert user.password_hash.startswith(method + "$")
    assert check_password_hash(user.password_hash, PASSWORD)
    assert Auth(phone).login("admin").status_code == 302  # the same password still opens
    assert desk.get("/admin/").status_code == 200  # and the first session goes on
    renewed = user.password_hash
    db.session.refresh(user)
    assert user.password_hash == renewed  # hashed with today's settings: left alone


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/user/new/", {"username": "x1", "display_name": "x", "role": "trainer"}),
        ("/admin/user/edit/?id=1", {"username": "admin", "display_name": "x", "role": "admin"}),
        ("/admin/user/delete/", {"id": "2"}),
        ("/admin/user/action/", {"action": "delete", "rowid": "2"}),
        ("/admin/user/ajax/update/", {"list_form_pk": "2", "display_name": "x"}),
        ("/logout", {}),
    ],
)
def test_every_form_needs_the_csrf_token(client, auth, path, data):
    """Is a POST without the session's CSRF token refused and nothing changed?"""
    make_user("admin")
    make_user("trainer")
    auth.login("admin")
    response = client.post(path, data=data)
    assert response.status_code == 400
    wrong = client.post(path, data={**data, "csrf_token": "forged"})
    assert wrong.status_code == 400
    db.session.expire_all()
    assert [u.username for u in db.session.query(User).order_by(User.id)] == ["admin", "trainer"]
    assert client.get("/admin/").status_code == 200  # still signed in


# -- throttling (issue 10) ----------------------------------------------------------------------

def sign_in(client, username: str, password: str, address: str = "10.0.0.1"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_five_failures_lock_the_username_for_15_minutes(client, freeze):
    start = datetime(2026, 11, 27, 9, 0)
    make_user("agent1")
    for minute in range(5):
        freeze(start + timedelta(minutes=minute * 3))  # 5 failures within 12 minutes
        assert sign_in(client, "agent1", "wrong password!").status_code == 200
    freeze(start + timedelta(minutes=13))
    response = sign_in(client, "Agent1 ", PASSWORD)  # the right password: refused all the same
    assert response.status_code == 429
    assert "登录失败次数过多，请在 2026-11-27 09:27 之后再试。" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    freeze(start + timedelta(minutes=26, seconds=59))
    assert sign_in(client, "agent1", PASSWORD).status_code == 429
    freeze(start + timedelta(minutes=27))
    assert sign_in(client, "agent1", PASSWORD).status_code == 302


def test_failures_spread_over_more_than_15_minutes_lock_nothing(client, freeze):
    start = datetime(2026, 11, 27, 9, 0)
    make_user("agent1")
    for n in range(6):
        freeze(start + timedelta(minutes=n * 4))  # 5 failures span 16 minutes
        sign_in(client, "agent1", "wrong password!")
    freeze(start + timedelta(minutes=25))
    assert sign_in(client, "agent1", PASSWORD).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(client, freeze):
    freeze(datetime(2026, 11, 27, 9, 0))
    make_user("agent1")
    for _ in range(4):
        sign_in(client, "agent1", "wrong password!")
    assert sign_in(client, "agent1", PASSWORD).status_code == 302
    client = client.application.test_client()  # another browser
    for _ in range(4):
        sign_in(client, "agent1", "wrong password!")
    assert sign_in(client, "agent1", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_it_for_every_username(client, freeze):
    freeze(datetime(2026, 11, 27, 9, 0))
    make_user("agent1")
    for n in range(20):
        sign_in(client, f"guess{n % 4}", "wrong password!", address="203.0.113.9")
    assert sign_in(client, "agent1", PASSWORD, address="203.0.113.9").status_code == 429
    # The same user from another address is not held up.
    assert sign_in(client, "agent1", PASSWORD, address="10.0.0.2").status_code == 302


def test_every_app_server_counts_the_same_attempts(app, database, tmp_path, freeze):
    """Two apps on one database, as two gunicorn workers or hosts: the count is shared."""
    from backoffice import create_app
    from backoffice.config import TestConfig

    freeze(datetime(2026, 11, 27, 9, 0))
    make_user("agent1")
    other = create_app(TestConfig.settings(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))
    for n in range(5):
        sign_in((app if n % 2 else other).test_client(), "agent1", "wrong password!")
    assert sign_in(app.test_client(), "agent1", PASSWORD).status_code == 429
    with other.app_context():
        db.engine.dispose()


def test_failures_and_lockouts_are_audited(client, freeze):
    freeze(datetime(2026, 11, 27, 9, 0))
    make_user("agent1")
    for _ in range(6):
        sign_in(client, "agent1", "wrong password!", address="10.0.0.7")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.model == "login_attempt")
                              .order_by(AuditLog.id)).all()
    outcomes = [row.changes["outcome"][1] for row in rows]
    assert outcomes == ["failed"] * 5 + ["locked"]
    assert {row.ip for row in rows} == {"10.0.0.7"}
    assert all(row.changes["username"] == [None, "agent1"] for row in rows)


def test_the_role_read_once_a_request_follows_sign_in_and_out(app):
    """current_role() keeps the role for the request, and forgets it when someone signs
    in or out during it (a sign-in, an admin's own password change)."""
    agent, admin = make_user("followup_agent"), make_user("admin")
    with app.test_request_context("/"):
        assert current_role() is None
        login_user(agent)
        assert current_role() == "followup_agent"
        login_user(admin)
        assert current_role() == "admin"
        logout_user()
        assert current_role() is None
