"""In a real browser, each role signs in, sees its home page, meets a 403, signs out."""
import pytest

from backoffice.permissions import MATRIX, ROLES

from ..factories import PASSWORD, make_user

# A screen each role may not open (users are the admin's; the audit log's "create"
# is nobody's).
FORBIDDEN = dict.fromkeys(ROLES, "/admin/user/")
FORBIDDEN["admin"] = "/admin/audit_log/new/"


@pytest.mark.parametrize("role", list(ROLES))
def test_role_signs_in_sees_home_gets_403_and_signs_out(page, role):
    make_user(role, display_name="测试用户")
    page.goto("/admin/")
    assert page.url.endswith("/login?next=/admin/")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.title().startswith("工作台")
    panels = page.locator(".home-panel").evaluate_all("els => els.map(e => e.dataset.area)")
    assert panels == [area for area in MATRIX if role in MATRIX[area]]
    assert "测试用户" in page.inner_text("nav")

    response = page.goto(FORBIDDEN[role])
    assert response.status == 403
    assert "没有权限" in page.inner_text("#error-page")

    page.goto("/admin/")
    page.click("#user-menu")
    page.click("nav #logout-button")
    page.wait_for_url("**/login")
    assert "您已退出登录" in page.content()
    page.goto("/admin/")
    assert "/login" in page.url


def test_wrong_password_in_the_browser(page):
    make_user("admin")
    page.goto("/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("#login-form")
