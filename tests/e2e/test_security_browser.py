"""The Content-Security-Policy in a real browser: injected script does not run, and
what used to be inline handlers (confirmations, bulk actions, inline rows, filters) works."""
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Customer

from ..factories import make_customer, make_user
from .browsing import sign_in


def admin_signed_in(page):
    make_user("admin")
    sign_in(page, "admin")


def test_script_injected_into_a_page_does_not_run(page):
    """Were some markup to slip through escaping, its inline script would not run."""
    page.expects_csp_violations = True
    admin_signed_in(page)
    header = page.goto("/admin/customer/").headers["content-security-policy"]
    assert "'unsafe-inline'" not in header.split("script-src")[1].split(";")[0]
    page.evaluate("""() => {
        document.body.insertAdjacentHTML('beforeend',
            '<img src="/static/none.png" onerror="window.pwned = 1">' +
            '<a id="js-link" href="javascript:window.pwned = 2">x</a>');
        const s = document.createElement('script');
        s.textContent = 'window.pwned = 3';
        document.body.appendChild(s);
    }""")
    page.click("#js-link")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.csp_violations  # the browser refused, and said so


def live(name: str) -> bool:
    """Is the customer not deleted, as the database has it now?"""
    db.session.commit()  # end the test's read transaction: see what the server wrote since
    customer = db.session.scalar(
        select(Customer).where(Customer.name == name).execution_options(include_deleted=True)
    )
    return customer.deleted_at is None


def test_delete_asks_first_and_bulk_actions_work(page):
    for name in ("保留客户", "删除客户", "批量客户"):
        make_customer(name=name)
    admin_signed_in(page)
    page.goto("/admin/customer/?search=删除客户")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("td.list-buttons-column button[title]")
    page.wait_for_load_state()
    assert live("删除客户")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("td.list-buttons-column button[title]")
    assert not live("删除客户")

    page.goto("/admin/customer/?search=批量客户")
    page.check("input.action-checkbox")
    page.click("text=批量操作")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-model-action=delete]")
    assert not live("批量客户")
    assert live("保留客户")


def test_filters_and_inline_rows_work(page):
    admin_signed_in(page)
    page.goto("/admin/customer/")
    page.click("text=添加筛选")
    page.click(".field-filters a.filter >> nth=0")
    assert page.locator("#filter_form tr.form-horizontal").count() == 1
    assert "#" not in page.url

    page.goto("/admin/inspection_template/new/")
    before = page.locator(".inline-field").count()
    page.click("[data-add-inline-field]")
    assert page.locator(".inline-field").count() == before + 1
