"""In a real browser: the trainer enters a class's scores on one screen, and a certificate
due for review in 30 days shows on the home page."""
from datetime import timedelta

from sqlalchemy import func, select

from backoffice import clock, rules
from backoffice.extensions import db
from backoffice.models import TrainingSession

from ..factories import make_certificate, make_employee, make_session, make_user
from .browsing import sign_in


def test_trainer_enters_a_class_and_sees_a_certificate_due_in_30_days(page):
    make_user("trainer", "trainer", display_name="周培训")
    today = clock.today()
    electrician = make_employee(name="王电工", number="E0101", department="机修车间",
                                position="电工", trades=["electrician"])
    make_employee(name="李机修", number="E0102", department="机修车间")
    make_employee(name="张机修", number="E0103", department="机修车间")
    make_employee(name="赵配件", number="E0201", department="配件部")
    make_certificate(electrician, issued_on=rules.add_months(today + timedelta(days=30), -36))
    session = make_session(title="新能源汽车高压安全培训", kind="technical")

    sign_in(page, "trainer")

    # The home page reminds of the review due in 30 days; one click lists the certificate.
    panel = page.locator("section[data-area=training]")
    reminder = panel.locator("li", has_text="30天提醒：证书复审或到期")
    assert reminder.locator(".badge").inner_text() == "1"
    reminder.locator("a").click()
    page.wait_for_url("**/admin/certificate/**")
    rows = page.locator("table.model-list tbody tr")
    assert rows.count() == 1
    assert "王电工" in rows.first.inner_text()
    assert "还有30天" in rows.first.inner_text()

    # The class: the whole workshop added at once, then every score typed on one screen.
    page.goto(f"/admin/training_session/scores/?id={session.id}")
    page.select_option("#department", "机修车间")
    page.click("#add-button")
    page.wait_for_selector("#scores-table tr[data-employee=E0103]")
    assert "已将3名员工加入本期培训" in page.inner_text("body")
    assert page.locator("#scores-table tbody tr").count() == 3
    for number, score in (("E0101", "92"), ("E0102", "78.5"), ("E0103", "80")):
        page.fill(f"#scores-table tr[data-employee={number}] input[name^=score-]", score)
    page.click("#save-scores")
    page.wait_for_selector(".alert-success")
    assert "已保存3名参训人员的成绩" in page.inner_text("body")
    results = {
        number: page.inner_text(f"#scores-table tr[data-employee={number}] td.result").strip()
        for number in ("E0101", "E0102", "E0103")
    }
    assert results == {"E0101": "合格", "E0102": "不合格", "E0103": "合格"}

    # The session's page shows the class with its results.
    page.click("text=返回培训详情")
    attendance = page.inner_text("#session-attendance")
    assert "78.5" in attendance
    assert "赵配件" not in attendance


def test_files_over_the_upload_limit_are_refused_before_the_form_is_sent(app, page):
    """A file that would take the form over the upload limit is refused in the browser,
    saying the limit, and the form is not sent: what was typed stays (the server's 413
    would have lost it). A smaller file is then accepted."""
    make_user("trainer", "trainer")
    sign_in(page, "trainer")
    page.goto("/admin/training_session/new/")
    page.fill("#title", "新能源汽车高压安全培训")
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    too_large = b"%PDF-1.4\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    page.set_input_files("#materials_file", files=[
        {"name": "课件.pdf", "mimeType": "application/pdf", "buffer": too_large}])
    message = page.eval_on_selector("#materials_file", "input => input.validationMessage")
    assert message == "所选文件合计超过了 10 MB 的上限，请换用较小的文件。"
    page.click("input[type=submit][value='保存']")
    page.wait_for_timeout(300)
    assert posts == []
    assert page.input_value("#title") == "新能源汽车高压安全培训"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0

    page.set_input_files("#materials_file", files=[
        {"name": "课件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    assert page.eval_on_selector("#materials_file", "input => input.validationMessage") == ""
