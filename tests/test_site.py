"""The site around the screens: health check, home page, language, error pages."""
import gc
import re
from datetime import datetime

from sqlalchemy import text

from backoffice import create_app
from backoffice.config import TestConfig
from backoffice.extensions import db
from backoffice.permissions import AREAS, MATRIX, ROLES

from .factories import make_user


def test_healthz_answers_200_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_a_warm_process_sets_its_objects_aside_from_the_garbage_collector(database, tmp_path):
    app = create_app(TestConfig.settings(SQLALCHEMY_DATABASE_URI=database.fresh_url(tmp_path),
                                         GC_FREEZE_AFTER_REQUESTS=3))
    client = app.test_client()
    try:
        for _ in range(2):
            client.get("/healthz")
        assert gc.get_freeze_count() == 0
        client.get("/healthz")
        assert gc.get_freeze_count() > 0
        client.get("/healthz")  # once only
    finally:
        gc.unfreeze()
        with app.app_context():
            db.engine.dispose()


def test_healthz_answers_503_without_the_database(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    app = create_app(TestConfig.settings(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_root_leads_to_the_home_page(client):
    assert client.get("/").headers["Location"] == "/admin/"


def test_home_page_shows_one_panel_per_area_the_role_may_read(client, auth):
    for role in ROLES:
        auth.login_as(role)
        html = client.get("/admin/").get_data(as_text=True)
        assert "工作台" in html
        for area, title in AREAS.items():
            shown = f'data-area="{area}"' in html
            assert shown == (role in MATRIX[area]), (role, area)
            if shown:
                assert str(title) in html
        auth.logout()


def test_menu_shows_only_screens_the_role_may_open(client, auth):
    auth.login_as("manager")
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/audit_log/" in html
    assert "/admin/user/" not in html


def test_the_menu_is_made_once_per_role_screen_and_language(app, client, auth):
    """The menu is cached: what one role, screen or language was shown never leaks into
    another's, and the active screen is marked."""
    active = re.compile(r'class="dropdown-item active[^"]*" href="([^"?]+)"')  # not the pager
    auth.login_as("manager")
    client.get("/admin/customer/")
    html = client.get("/admin/customer/").get_data(as_text=True)
    assert active.findall(html) == ["/admin/customer/"]
    assert "/admin/user/" not in html
    assert active.findall(client.get("/admin/visit/").get_data(as_text=True)) == ["/admin/visit/"]
    client.get("/lang/en")
    assert re.search(r">\s*Customers</a>", client.get("/admin/customer/").get_data(as_text=True))
    auth.logout()
    auth.login_as("admin")
    html = client.get("/admin/customer/").get_data(as_text=True)
    assert "/admin/user/" in html
    assert re.search(r">\s*Users</a>", html)  # the language stays with the browser
    assert len(app.extensions["backoffice_menus"]) == 4


def test_language_switch_to_english_and_back(client, auth):
    make_user("admin")
    auth.login("admin")
    assert "工作台" in client.get("/admin/").get_data(as_text=True)
    response = client.get("/lang/en", query_string={"next": "/admin/user/"})
    assert response.headers["Location"] == "/admin/user/"
    html = client.get("/admin/user/").get_data(as_text=True)
    assert "Users" in html
    assert "List" in html
    assert "Username" in html
    client.get("/lang/zh_Hans_CN")
    assert "用户名" in client.get("/admin/user/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.get("/lang/xx")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en", query_string={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/admin/"


def test_404_page_is_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_times_are_stored_in_utc_and_shown_in_local_time(client, auth, freeze):
    """Is a sign-in at 19:05 in Shanghai stored as 11:05 UTC and shown as 2026-11-27 19:05?"""
    freeze(datetime(2026, 11, 27, 19, 5))
    user = make_user("admin")
    auth.login("admin")
    stored = db.session.execute(
        text("SELECT last_login_at FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar()
    assert str(stored).startswith("2026-11-27 11:05")
    html = client.get(f"/admin/user/details/?id={user.id}").get_data(as_text=True)
    assert re.search(r">\s*2026-11-27 19:05\s*<", html)


def test_every_page_has_the_apps_icon(client, auth):
    """The sign-in page and the screens name the icon, served by the app itself
    (offline), also at /favicon.ico, where browsers ask for it anyway (it was a 404)."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
    assert 'href="/static/favicon.svg" rel="icon"' in client.get("/login").get_data(as_text=True)
    auth.login_as("admin")
    for page in ("/admin/", "/admin/customer/"):
        assert 'href="/static/favicon.svg" rel="icon"' in client.get(page).get_data(as_text=True)
    assert client.get("/static/favicon.svg").status_code == 200


def test_messages_are_told_by_screen_readers_and_their_close_is_named(client, auth):
    """An error appears as an alert (read out at once), its × button named 关闭; the
    sign-in page's messages are told too."""
    auth.login_as("admin")
    html = client.get("/admin/customer/edit/?id=999999", follow_redirects=True).get_data(
        as_text=True)
    alert = re.search(r'<div class="alert alert-danger alert-dismissable"\s+role="alert">\s*'
                      r'<button type="button" class="close" data-dismiss="alert" '
                      r'aria-label="关闭"><span aria-hidden="true">&times;</span></button>', html)
    assert alert, html
    auth.logout()  # 您已退出登录, on the sign-in page: a status, read out when free
    html = client.get("/login").get_data(as_text=True)
    assert 'class="alert alert-success" role="status"' in html
