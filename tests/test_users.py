"""The users screen: passwords, the last admin, duplicates, stale edits, the trash."""
import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditLog, User

from .conftest import Auth
from .factories import PASSWORD, make_user

GOOD = "a long passphrase 1"


def new_user_form(**overrides) -> dict:
    form = {
        "username": "lili", "display_name": "李丽", "role": "followup_agent", "active": "y",
        "new_password": GOOD, "confirm_password": GOOD,
    }
    return {**form, **overrides}


def edit_form(user: User, **overrides) -> dict:
    form = {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "active": "y" if user.active else "", "version": str(user.version),
    }
    return {k: v for k, v in {**form, **overrides}.items() if v != ""}


def user_named(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.username == username).execution_options(include_deleted=True)
    )


@pytest.fixture
def admin(auth):
    user = make_user("admin")
    auth.login("admin")
    return user


def test_list_and_pages_never_show_password_hashes(client, auth, admin):
    """Do the list, details, edit and export of users leave the hash out?"""
    other = make_user("trainer")
    pages = [
        client.get("/admin/user/"),
        client.get(f"/admin/user/details/?id={other.id}"),
        client.get(f"/admin/user/edit/?id={other.id}"),
        client.get("/admin/user/export/csv/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "scrypt" not in text
        assert "password_hash" not in text
        assert other.password_hash not in text
    assert other.display_name in pages[0].get_data(as_text=True)


def test_admin_creates_a_user_who_can_then_sign_in(app, client, auth, admin):
    response = auth.post("/admin/user/new/", new_user_form(username="LiLi"))
    assert response.status_code == 302
    created = user_named("lili")  # stored in lower case
    assert created.role == "followup_agent"
    assert created.password_hash.startswith("scrypt:")
    fresh = Auth(app.test_client())
    assert fresh.login("lili", GOOD).status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"new_password": "", "confirm_password": ""}, "新账号必须设置密码"),
        ({"new_password": "short", "confirm_password": "short"}, "密码至少需要 10 个字符"),
        ({"new_password": "lili", "confirm_password": "lili"}, "密码不能与用户名相同"),
        ({"username": "lili123456", "new_password": "LILI123456",
          "confirm_password": "LILI123456"}, "密码不能与用户名相同"),
        ({"new_password": "1234567890", "confirm_password": "1234567890"}, "此密码过于常见"),
        ({"confirm_password": "something else"}, "两次输入的密码不一致"),
        ({"username": "李丽"}, "请使用 2 到 64 个字母"),
        ({"username": ""}, "此项必须填写"),
        ({"role": "emperor"}, "选项无效，请从列表中选择"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(client, auth, admin, form, message):
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = auth.post("/admin/user/new/", new_user_form(**form))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_duplicate_username_is_refused_even_if_deleted(client, auth, admin):
    old = make_user("trainer", "lili")
    auth.post("/admin/user/delete/", {"id": old.id})
    response = auth.post("/admin/user/new/", new_user_form(username="LILI"))
    assert response.status_code == 200
    assert "此用户名已被使用" in response.get_data(as_text=True)


def test_resetting_a_password_ends_that_users_sessions(app, client, auth, admin):
    target = make_user("trainer")
    theirs = Auth(app.test_client())
    theirs.login("trainer")
    assert theirs.client.get("/admin/").status_code == 200
    form = edit_form(target, new_password=GOOD, confirm_password=GOOD)
    assert auth.post(f"/admin/user/edit/?id={target.id}", form).status_code == 302
    assert theirs.client.get("/admin/").status_code == 302
    assert Auth(app.test_client()).login("trainer", GOOD).status_code == 302


def test_changing_your_own_password_keeps_you_signed_in(client, auth, admin):
    form = edit_form(admin, new_password=GOOD, confirm_password=GOOD)
    assert auth.post(f"/admin/user/edit/?id={admin.id}", form).status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("change", [{"active": ""}, {"role": "manager"}])
def test_the_last_active_admin_cannot_be_deactivated_or_demoted(client, auth, admin, change):
    response = auth.post(
        f"/admin/user/edit/?id={admin.id}", edit_form(admin, **change), follow_redirects=True
    )
    assert "必须始终保留一名启用的系统管理员" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"
    assert db.session.get(User, admin.id).active


def test_the_last_active_admin_cannot_be_deleted(app, client, auth, admin):
    second = make_user("admin", "admin2")
    # admin2 deletes admin: allowed, one active admin remains.
    other = Auth(app.test_client())
    other.login("admin2")
    assert other.post("/admin/user/delete/", {"id": admin.id}).status_code == 302
    assert user_named("admin").deleted_at is not None
    # Now admin2 is the last one: deleting itself is refused.
    response = other.post("/admin/user/delete/", {"id": second.id}, follow_redirects=True)
    assert "不能删除自己的账号" in response.get_data(as_text=True)
    assert user_named("admin2").deleted_at is None


def test_an_inactive_admin_does_not_count(client, auth, admin):
    make_user("admin", "sleeping_admin", active=False)
    response = auth.post(
        f"/admin/user/edit/?id={admin.id}", edit_form(admin, role="manager"), follow_redirects=True
    )
    assert "必须始终保留一名启用的系统管理员" in response.get_data(as_text=True)


def test_a_stale_edit_is_refused_and_overwrites_nothing(app, client, auth, admin):
    """If someone saved after I opened the form, is my save refused with a message?"""
    target = make_user("trainer", display_name="原名")
    stale = edit_form(target)  # the version I loaded
    colleague = Auth(app.test_client())
    make_user("admin", "admin2")
    colleague.login("admin2")
    assert colleague.post(
        f"/admin/user/edit/?id={target.id}", edit_form(target, display_name="同事改的")
    ).status_code == 302
    response = auth.post(
        f"/admin/user/edit/?id={target.id}", {**stale, "display_name": "我改的"}
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).display_name == "同事改的"


def test_the_edit_form_carries_the_version(client, auth, admin):
    target = make_user("trainer")
    html = client.get(f"/admin/user/edit/?id={target.id}").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{target.version}"' in html or (
        'name="version"' in html and f'value="{target.version}"' in html
    )
    assert 'name="version"' not in client.get("/admin/user/new/").get_data(as_text=True)


def test_an_edit_without_a_version_is_refused(client, auth, admin):
    target = make_user("trainer")
    form = edit_form(target, display_name="新名字")
    del form["version"]
    response = auth.post(f"/admin/user/edit/?id={target.id}", form)
    assert "已被他人修改" in response.get_data(as_text=True)


def test_deleted_users_are_hidden_and_admin_can_restore_them(client, auth, admin):
    target = make_user("trainer", display_name="待删除")
    auth.post("/admin/user/delete/", {"id": target.id})
    assert "待删除" not in client.get("/admin/user/").get_data(as_text=True)
    assert client.get(f"/admin/user/details/?id={target.id}").status_code == 302
    trash = client.get("/admin/user/?trash=1").get_data(as_text=True)
    assert "待删除" in trash
    auth.post("/admin/user/action/?trash=1", {"action": "restore", "rowid": target.id})
    assert "待删除" in client.get("/admin/user/").get_data(as_text=True)
    restored = user_named("trainer")
    assert restored.deleted_at is None
    assert not restored.active  # deleting deactivated it; restoring does not sign it in again


def test_a_deleted_user_cannot_sign_in(app, client, auth, admin):
    target = make_user("trainer")
    auth.post("/admin/user/delete/", {"id": target.id})
    assert Auth(app.test_client()).login("trainer").status_code == 200


def test_purge_only_takes_records_already_in_the_trash(client, auth, admin):
    target = make_user("trainer")
    auth.post("/admin/user/action/?trash=1", {"action": "purge", "rowid": target.id})
    assert user_named("trainer") is not None


def test_admin_can_force_a_new_password_at_the_next_sign_in(app, client, auth, admin):
    """Ticked by the admin: does the user get nothing but the password page until they
    have chosen a new password, which then works and ends their other sessions?"""
    target = make_user("trainer", display_name="王老师")
    assert auth.post(
        f"/admin/user/edit/?id={target.id}", edit_form(target, must_change_password="y")
    ).status_code == 302
    assert user_named("trainer").must_change_password
    auth.logout()

    other_device = Auth(app.test_client())
    other_device.login("trainer")
    response = auth.login("trainer")
    assert response.status_code == 302
    home = client.get(response.headers["Location"], follow_redirects=True)
    assert home.request.path == "/password"
    assert "请先设置新密码" in home.get_data(as_text=True)
    customers = client.get("/admin/employee/")
    assert customers.status_code == 302
    assert customers.headers["Location"].startswith("/password?next=/admin/employee/")

    password_form = {"current_password": "wrong one here", "new_password": "trainer",
                     "confirm_password": "trainer2"}
    refused = auth.post("/password?next=/admin/employee/", password_form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    for message in ("当前密码不正确", "至少需要 10 个字符", "两次输入的密码不一致"):
        assert message in text
    assert user_named("trainer").must_change_password

    new = "新的口令 2026 冬"
    changed = auth.post("/password?next=/admin/employee/", {
        "current_password": PASSWORD, "new_password": new, "confirm_password": new,
    })
    assert changed.status_code == 302
    assert changed.headers["Location"] == "/admin/employee/"
    assert client.get("/admin/employee/").status_code == 200
    db.session.expire_all()
    assert not user_named("trainer").must_change_password
    assert other_device.client.get("/admin/").status_code == 302  # signed out there
    auth.logout()
    assert auth.login("trainer").status_code == 200  # the old password no longer works
    assert auth.login("trainer", new).status_code == 302


def test_anyone_can_change_their_own_password_from_the_user_menu(client, auth):
    make_user("followup_agent", "agent")
    auth.login("agent")
    assert 'href="/password"' in client.get("/admin/").get_data(as_text=True)
    same = auth.post("/password", {"current_password": PASSWORD, "new_password": PASSWORD,
                                   "confirm_password": PASSWORD})
    assert "新密码不能与当前密码相同" in same.get_data(as_text=True)
    new = "another long passphrase"
    response = auth.post("/password", {"current_password": PASSWORD, "new_password": new,
                                       "confirm_password": new}, follow_redirects=True)
    assert response.request.path == "/admin/"
    assert "密码已修改" in response.get_data(as_text=True)
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.model == "user_account", AuditLog.action == "update")
    ).all()
    assert any("password_hash" in (row.changes or {}) for row in audit)
