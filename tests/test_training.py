"""Training: the certificate rules at their edges, reminders, required training and its
gaps, the competency matrix, class scores, the safety flag, the record PDF, exports."""
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import g
from flask_babel import force_locale
from flask_login import login_user
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, func, select

from backoffice import clock, rules, training
from backoffice.extensions import db
from backoffice.models import Attendance, Certificate, Employee, Setting, TrainingSession

from .databases import make_app
from .factories import (
    PNG,
    attend,
    list_url,
    make_certificate,
    make_employee,
    make_session,
    make_user,
    reload,
)

NOW = datetime(2026, 11, 27, 10, 0)
TODAY = NOW.date()


@pytest.fixture
def trainer(auth, freeze):
    freeze(NOW)
    user = make_user("trainer", "trainer", display_name="周培训")
    auth.login("trainer")
    return user


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def certificate_due_in(n: int, employee=None, event: str = "review") -> Certificate:
    """A special operations certificate whose review (or expiry) is `n` days away."""
    if event == "review":
        return make_certificate(employee, issued_on=rules.add_months(days(n), -36))
    return make_certificate(employee, issued_on=rules.add_months(days(n), -72),
                            reviewed_on=rules.add_months(days(n), -36))


# -- the rules, at their edges ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("issued", "reviewed", "expected"),
    [
        (date(2026, 11, 27), None, (date(2029, 11, 27), date(2032, 11, 27))),
        # Issued on 29 February: the anniversaries fall on 28 February.
        (date(2024, 2, 29), None, (date(2027, 2, 28), date(2030, 2, 28))),
        (date(2026, 1, 31), None, (date(2029, 1, 31), date(2032, 1, 31))),
        # Reviewed: the next review is 3 years on, still before the certificate ends...
        (date(2024, 2, 29), date(2027, 2, 27), (date(2030, 2, 27), date(2030, 2, 28))),
        # ... and never after it ends (a late review, or a second one).
        (date(2024, 2, 29), date(2028, 2, 29), (date(2030, 2, 28), date(2030, 2, 28))),
        (date(2020, 3, 1), date(2023, 3, 15), (date(2026, 3, 1), date(2026, 3, 1))),
    ],
)
def test_special_operations_certificate_dates(issued, reviewed, expected):
    """Valid 6 years, reviewed every 3 (DOMAIN.md "Training"), the review first."""
    review_due, valid_until = rules.certificate_dates("special_operations", issued, reviewed)
    assert (review_due, valid_until) == expected
    assert review_due <= valid_until


def test_other_certificates_have_no_fixed_dates():
    for kind in ("vocational", "quality_inspector", "other"):
        assert rules.certificate_dates(kind, date(2024, 2, 29)) == (None, None)


@pytest.mark.parametrize(
    ("left", "stage"),
    [(91, None), (90, 90), (61, 90), (60, 60), (59, 60), (31, 60), (30, 30), (29, 30),
     (8, 30), (7, 7), (6, 7), (1, 7), (0, 7), (-1, 0), (-400, 0)],
)
def test_reminder_stage_the_day_before_and_of_each_threshold(left, stage):
    assert rules.reminder_stage(TODAY + timedelta(days=left), TODAY) == stage


def test_reminder_stage_across_29_february():
    assert rules.reminder_stage(date(2028, 2, 29), date(2027, 12, 1)) == 90  # 90 days left
    assert rules.reminder_stage(date(2028, 2, 29), date(2027, 11, 30)) is None
    assert rules.reminder_stage(date(2028, 2, 29), date(2028, 1, 30)) == 30
    assert rules.reminder_stage(date(2028, 2, 29), date(2028, 3, 1)) == 0


def _cert(**dates) -> Certificate:
    return Certificate(kind="special_operations", trade="electrician",
                       issued_on=date(2020, 1, 1), **dates)


@pytest.mark.parametrize(
    ("dates", "state", "event", "stage"),
    [
        ({"review_due": days(91), "valid_until": days(800)}, "valid", "review", None),
        ({"review_due": days(90), "valid_until": days(800)}, "due_soon", "review", 90),
        ({"review_due": days(0), "valid_until": days(800)}, "due_soon", "review", 7),
        ({"review_due": days(-1), "valid_until": days(800)}, "review_overdue", "review", 0),
        ({"review_due": days(30), "valid_until": days(30)}, "due_soon", "expiry", 30),
        ({"review_due": days(-100), "valid_until": days(-1)}, "expired", "expiry", 0),
        ({"valid_until": days(0)}, "due_soon", "expiry", 7),
        ({}, "valid", None, None),
    ],
)
def test_certificate_state(dates, state, event, stage):
    """Expired after its last valid day, unreviewed after its review day, due soon from
    90 days before whichever comes first."""
    result = training.certificate_state(_cert(**dates), TODAY)
    assert (result.state, result.event, result.stage) == (state, event, stage)


@pytest.mark.parametrize(
    ("hired", "done", "every", "status", "due"),
    [
        (days(-30), None, None, "due_soon", days(0)),     # onboarding due today
        (days(-31), None, None, "missing", days(-1)),     # a day late
        (days(-31), days(-2), None, "valid", None),       # done once: enough
        (None, None, None, "missing", None),              # no hire date: cannot be due
        (days(-900), rules.add_months(TODAY, -12), 12, "due_soon", days(0)),
        (days(-900), rules.add_months(days(-1), -12), 12, "expired", days(-1)),
        (days(-900), rules.add_months(days(90), -12), 12, "due_soon", days(90)),
        (days(-900), rules.add_months(days(91), -12), 12, "valid", days(91)),
    ],
)
def test_requirement_cell(hired, done, every, status, due):
    req = training.Requirement("x", "safety", within_days=30, every_months=every)
    cell = training.requirement_cell(req, hired, done, TODAY, default_days=30)
    assert (cell.status, cell.due_on) == (status, due)


# -- required training and its gaps ----------------------------------------------------------

def cells_of(employee) -> dict[str, str]:
    g.pop("settings", None)
    assessment = training.assess([employee], TODAY)
    return {key: cell.status for key, cell in assessment.trainings[employee.id].items()}


def test_onboarding_and_yearly_safety_apply_to_everyone(app, freeze):
    freeze(NOW)
    newcomer = make_employee(hired_on=days(-10))
    late = make_employee(hired_on=days(-45))
    veteran = make_employee(hired_on=days(-2000))
    attend(make_session(kind="onboarding", title="岗前培训", held_on=days(-1900),
                        pass_mark=None), veteran)
    attend(make_session(held_on=rules.add_months(days(-1), -12)), veteran, 90, True)
    assert cells_of(newcomer) == {"onboarding": "due_soon", "safety": "due_soon"}
    assert cells_of(late) == {"onboarding": "missing", "safety": "missing"}
    assert cells_of(veteran) == {"onboarding": "valid", "safety": "expired"}


def test_what_counts_as_done(app, freeze):
    """A failed exam, a session still to come and a deleted session do not count."""
    freeze(NOW)
    person = make_employee(hired_on=days(-2000))
    attend(make_session(kind="onboarding", pass_mark=None, held_on=days(-1990)), person,
           passed=None)  # no exam: attending is passing
    failed = make_session(held_on=days(-10))
    attend(failed, person, 60, False)
    assert cells_of(person)["safety"] == "missing"
    attend(make_session(held_on=days(5)), person, 95, True)
    assert cells_of(person)["safety"] == "missing"
    deleted = make_session(held_on=days(-20))
    attend(deleted, person, 95, True)
    assert cells_of(person)["safety"] == "valid"
    deleted.soft_delete(NOW)
    db.session.commit()
    assert cells_of(person)["safety"] == "missing"


def test_requirements_go_by_position_and_title(client, auth, freeze):
    freeze(NOW)
    auth.login_as("trainer")
    form = {"position": " 电工 ", "kind": "safety", "title": "电气作业安全操作规程",
            "every_months": "12"}
    assert auth.post("/admin/training_requirement/new/", form).status_code == 302
    electrician = make_employee(position="电工")
    mechanic = make_employee(position="机修工")
    key = next(k for k in cells_of(electrician) if k.startswith("r"))
    assert key not in cells_of(mechanic)
    attend(make_session(title="年度安全生产培训", held_on=days(-30)), electrician, 90, True)
    assert cells_of(electrician)[key] == "missing"  # another title does not count
    attend(make_session(title="电气作业安全操作规程", held_on=days(-30)), electrician, 90, True)
    assert cells_of(electrician)[key] == "valid"


def test_settings_change_the_onboarding_and_safety_periods(app, freeze):
    freeze(NOW)
    person = make_employee(hired_on=days(-45))
    attend(make_session(held_on=rules.add_months(TODAY, -13)), person, 90, True)
    assert cells_of(person) == {"onboarding": "missing", "safety": "expired"}
    db.session.add_all([Setting(key="onboarding_days", value="60"),
                        Setting(key="safety_training_months", value="24")])
    db.session.commit()
    assert cells_of(person) == {"onboarding": "due_soon", "safety": "valid"}


def test_the_employee_page_shows_the_gaps(client, auth, trainer):
    person = make_employee(name="王新", hired_on=days(-45))
    html = client.get(f"/admin/employee/details/?id={person.id}").get_data(as_text=True)
    table = html.split('id="required-training"')[1].split("</table>")[0]
    assert re.findall(r'data-status="(\w+)"', table) == ["missing", "missing"]


def test_training_filter_of_the_employee_list(client, auth, trainer):
    from backoffice.views.training import TRAINING_FILTER, EmployeeAdmin

    make_employee(name="赵缺", hired_on=days(-45))
    make_employee(name="钱近", hired_on=days(-10))
    fine = make_employee(name="孙全", hired_on=days(-900))
    attend(make_session(kind="onboarding", pass_mark=None, held_on=days(-890)), fine)
    attend(make_session(held_on=days(-30)), fine, 88, True)

    def listed(value):
        html = client.get(list_url(EmployeeAdmin, (TRAINING_FILTER, value))).get_data(
            as_text=True)
        return {name for name in ("赵缺", "钱近", "孙全") if name in html}

    assert listed("gaps") == {"赵缺"}
    assert listed("due_soon") == {"钱近"}
    assert listed("not_allowed") == set()


def test_special_trade_filter(client, auth, trainer):
    from backoffice.views.training import TRADE_FILTER, EmployeeAdmin

    make_employee(name="周电", trades=["electrician", "height_work"])
    make_employee(name="吴焊", trades=["welder"])
    html = client.get(list_url(EmployeeAdmin, (TRADE_FILTER, "height_work"))).get_data(
        as_text=True)
    assert "周电" in html
    assert "吴焊" not in html


def test_certificates_go_and_come_back_with_their_employee(client, auth, freeze):
    freeze(NOW)
    person = make_employee(name="钱删")
    make_certificate(person)
    make_certificate(make_employee(name="孙留"))
    person.soft_delete(NOW)
    db.session.commit()
    auth.login_as("admin")
    html = client.get("/admin/certificate/").get_data(as_text=True)
    assert "孙留" in html
    assert "钱删" not in html
    assert re.search(r"列表\s*\(1\)", html)  # the count leaves them out too
    person = db.session.get(Employee, person.id, execution_options={"include_deleted": True})
    person.restore()
    db.session.commit()
    assert "钱删" in client.get("/admin/certificate/").get_data(as_text=True)


# -- certificates: the form fills the rule's dates ------------------------------------------

def cert_form(employee, **overrides) -> dict:
    form = {"employee": str(employee.id), "kind": "special_operations", "trade": "electrician",
            "number": "T440300000001", "issuer": "深圳市应急管理局", "issued_on": "2024-02-29",
            "reviewed_on": "", "review_due": "", "valid_until": ""}
    return {**form, **overrides}


def test_empty_dates_follow_the_rule_typed_dates_are_kept(client, auth, trainer):
    person = make_employee()
    assert auth.post("/admin/certificate/new/", cert_form(person)).status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert (cert.review_due, cert.valid_until) == (date(2027, 2, 28), date(2030, 2, 28))

    typed = cert_form(person, number="T2", valid_until="2029-12-31")
    assert auth.post("/admin/certificate/new/", typed).status_code == 302
    cert = db.session.scalar(select(Certificate).where(Certificate.number == "T2"))
    assert (cert.review_due, cert.valid_until) == (date(2027, 2, 28), date(2029, 12, 31))

    other = cert_form(person, number="V1", kind="vocational", trade="__None")
    assert auth.post("/admin/certificate/new/", other).status_code == 302
    cert = db.session.scalar(select(Certificate).where(Certificate.number == "V1"))
    assert (cert.review_due, cert.valid_until) == (None, None)


def test_recording_a_review_moves_the_next_review_on(client, auth, trainer):
    cert = make_certificate(issued_on=date(2023, 1, 10))
    assert cert.review_due == date(2026, 1, 10)
    assert training.certificate_state(cert, TODAY).state == "review_overdue"
    form = cert_form(cert.employee, issued_on="2023-01-10", reviewed_on="2026-11-20",
                     review_due="2026-01-10", valid_until="2029-01-10",
                     version=str(cert.version))
    assert auth.post(f"/admin/certificate/edit/?id={cert.id}", form).status_code == 302
    cert = reload(Certificate, cert.id)
    assert (cert.review_due, cert.valid_until) == (date(2029, 1, 10), date(2029, 1, 10))
    assert training.certificate_state(cert, TODAY).state == "valid"

    # A review date typed by hand along with the review is kept.
    form.update(reviewed_on="2026-11-21", review_due="2028-06-30", version=str(cert.version))
    auth.post(f"/admin/certificate/edit/?id={cert.id}", form)
    assert reload(Certificate, cert.id).review_due == date(2028, 6, 30)


def test_certificate_form_checks(client, auth, trainer):
    person = make_employee()
    cases = {
        "trade": cert_form(person, trade="__None"),
        "review": cert_form(person, reviewed_on="2023-01-01"),
        "future review": cert_form(person, reviewed_on="2026-12-01"),
        "ends before": cert_form(person, valid_until="2020-01-01"),
        "review after end": cert_form(person, review_due="2031-01-01", valid_until="2030-01-01"),
    }
    for what, form in cases.items():
        response = auth.post("/admin/certificate/new/", form)
        assert response.status_code == 200, what
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_certificate_issued_later_than_today_is_refused(client, auth, trainer):
    """Could a card dated in the future replace an expired one and hide it?"""
    expired = make_certificate(issued_on=date(2020, 1, 10))
    person = expired.employee
    future = cert_form(person, issued_on="2026-11-28")
    html = auth.post("/admin/certificate/new/", future).get_data(as_text=True)
    assert "不能是将来的日期或时间" in html
    early_review = cert_form(person, review_due="2024-02-28")
    html = auth.post("/admin/certificate/new/", early_review).get_data(as_text=True)
    assert "复审日期不能早于发证日期" in html
    assert db.session.scalars(select(Certificate)).all() == [expired]
    assert "证书已过期" in client.get("/admin/").get_data(as_text=True)


def test_a_scanned_certificate_is_kept_and_shown(client, auth, trainer):
    person = make_employee()
    form = cert_form(person, scan_file=(io.BytesIO(b"%PDF-1.4 scan"), "scan.pdf"))
    assert auth.post("/admin/certificate/new/", form,
                     content_type="multipart/form-data").status_code == 302
    cert = db.session.scalar(select(Certificate))
    scan = client.get(f"/admin/certificate/scan/?id={cert.id}")
    assert scan.mimetype == "application/pdf"
    assert scan.data == b"%PDF-1.4 scan"
    photo = cert_form(person, number="P", scan_file=(io.BytesIO(PNG), "scan.png"))
    assert auth.post("/admin/certificate/new/", photo,
                     content_type="multipart/form-data").status_code == 302
    refused = cert_form(person, number="X", scan_file=(io.BytesIO(b"MZ\x90\x00"), "scan.pdf"))
    response = auth.post("/admin/certificate/new/", refused, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


# -- reminders and the safety flag on the home page ---------------------------------------------

def home_items(role: str, username: str | None = None) -> list:
    """What the training panel of the home page lists for a new user of `role`."""
    from flask import current_app

    from backoffice.views.training import training_due

    user = make_user(role, username or f"{role}_home")
    g.pop("training_assessments", None)  # the test's app context is shared: assess afresh
    with current_app.test_request_context(), force_locale("en"):
        login_user(user)
        return training_due(user)


def test_reminders_at_each_stage(client, auth, freeze):
    freeze(NOW)
    stages = {90: [days(90), days(61)], 60: [days(60), days(31)], 30: [days(30), days(8)],
              7: [days(7), days(0)]}
    for due_days in stages.values():
        for day in due_days:
            certificate_due_in((day - TODAY).days)
    certificate_due_in(45, event="expiry")  # the expiry too
    certificate_due_in(91)  # not yet
    certificate_due_in(-1)  # review overdue
    certificate_due_in(-1, event="expiry")  # expired
    for role in ("trainer", "safety_officer"):
        items = {item.label: item for item in home_items(role)}
        counts = {label: item.count for label, item in items.items() if "reminder" in label}
        assert counts == {
            "7-day reminder: certificate reviews and expiries": 2,
            "30-day reminder: certificate reviews and expiries": 2,
            "60-day reminder: certificate reviews and expiries": 3,
            "90-day reminder: certificate reviews and expiries": 2,
        }, role
        assert items["Certificates expired"].count == 1
        assert items["Certificate reviews overdue"].count == 1
    assert home_items("supervisor") == []
    assert home_items("manager") == []

    # Each line opens the certificates it counts.
    auth.login("trainer_home")
    item = next(i for i in home_items("trainer", "t2") if i.label.startswith("30-day"))
    html = client.get(item.url).get_data(as_text=True)
    assert len(re.findall(r'class="badge badge-warning certificate-due"', html)) == 2


def test_an_old_certificate_replaced_by_a_new_one_is_not_reminded(app, freeze):
    freeze(NOW)
    person = make_employee(trades=["electrician"])
    certificate_due_in(-1, person, event="expiry")
    assert [i.label for i in home_items("trainer") if i.label == "Certificates expired"]
    make_certificate(person, issued_on=days(-10))
    assert not [i for i in home_items("trainer", "t2") if i.count is None or
                i.label == "Certificates expired"]


def test_safety_flag_for_an_expired_or_unreviewed_certificate(app, freeze):
    """Nobody works a special trade on an expired or unreviewed certificate, or without."""
    freeze(NOW)
    expired = make_employee(name="李电", trades=["electrician"])
    certificate_due_in(-1, expired, event="expiry")
    unreviewed = make_employee(name="王焊", trades=["welder"])
    make_certificate(unreviewed, trade="welder", issued_on=rules.add_months(days(-1), -36))
    make_employee(name="赵叉", trades=["forklift"])
    fine = make_employee(name="陈好", trades=["electrician"])
    make_certificate(fine, reviewed_on=days(-5), issued_on=rules.add_months(TODAY, -40))
    left = make_employee(name="离职", trades=["electrician"], status="left")
    certificate_due_in(-1, left, event="expiry")

    flags = {(f.employee.name, f.trade, f.reason) for f in training.assess_all(TODAY).flags()}
    assert flags == {("李电", "electrician", "expired"), ("王焊", "welder", "review_overdue"),
                     ("赵叉", "forklift", "missing")}
    labels = [i.label for i in home_items("safety_officer") if i.count is None]
    assert sorted(labels) == sorted([
        "李电: not allowed to do electrical work (certificate expired)",
        "王焊: not allowed to do welding and hot cutting (certificate not reviewed)",
        "赵叉: not allowed to do forklift driving (no certificate)",
    ])


def test_the_safety_officer_sees_the_flag_in_chinese(client, auth, freeze):
    freeze(NOW)
    person = make_employee(name="李电", trades=["electrician"])
    certificate_due_in(-1, person, event="expiry")
    auth.login_as("safety_officer")
    html = client.get("/admin/").get_data(as_text=True)
    panel = html.split('data-area="training"')[1].split("</section>")[0]
    assert "李电：不得从事电工作业（证书已过期）" in panel
    assert "证书已过期" in panel


def test_many_flags_are_summed_up(app, freeze):
    freeze(NOW)
    for n in range(15):
        make_employee(name=f"无证{n}", trades=["welder"])
    items = home_items("safety_officer")
    assert len([i for i in items if i.count is None]) == 12
    assert next(i for i in items if i.label.startswith("Everyone")).count == 15


# -- the competency matrix -----------------------------------------------------------------------

def matrix_rows(html: str) -> dict[str, list[str]]:
    table = html.split('id="competency-matrix"')[1].split("</table>")[0]
    return {
        number: re.findall(r'matrix-cell[^"]*" data-status="(\w*)"', row)
        for number, row in re.findall(r'<tr data-employee="([^"]+)">(.*?)</tr>', table, re.S)
    }


def test_matrix_statuses(client, auth, trainer):
    valid = make_employee(number="M1", position="电工", trades=["electrician"],
                          department="机修车间")
    soon = make_employee(number="M2", position="电工", trades=["electrician"],
                         hired_on=days(-10), department="机修车间")
    expired = make_employee(number="M3", position="电工", trades=["electrician"],
                            department="机修车间")
    make_employee(number="M4", position="机修工", department="机修车间")
    onboarding = make_session(kind="onboarding", pass_mark=None, held_on=days(-390))
    for person in (valid, expired):
        attend(onboarding, person)
    attend(make_session(held_on=days(-30)), valid, 90, True)
    attend(make_session(held_on=rules.add_months(TODAY, -13)), expired, 90, True)
    make_certificate(valid, issued_on=days(-100))
    certificate_due_in(30, soon)
    certificate_due_in(-1, expired)
    rows = matrix_rows(client.get("/admin/competency/").get_data(as_text=True))
    # onboarding, safety, electrician's certificate
    assert rows == {
        "M1": ["valid", "valid", "valid"],
        "M2": ["due_soon", "due_soon", "due_soon"],
        "M3": ["valid", "expired", "expired"],
        "M4": ["missing", "missing", ""],
    }


def test_the_matrix_headings_read_in_the_pages_language(client, auth, trainer):
    """安全培训（入职30天内，每12个月） in Chinese, "Safety training (within 30 days of
    hire, every 12 months)" in English."""
    make_employee(number="M1", position="电工", trades=["electrician"])
    chinese = client.get("/admin/competency/").get_data(as_text=True)
    assert "安全培训（入职30天内，每12个月）" in chinese
    client.get("/lang/en")
    english = client.get("/admin/competency/").get_data(as_text=True)
    assert "Safety training (within 30 days of hire, every 12 months)" in english
    assert "（" not in english


def test_matrix_by_department_and_its_export(client, auth, freeze):
    freeze(NOW)
    make_employee(number="W1", department="机修车间", trades=["electrician"])
    make_employee(number="P1", department="配件部")
    make_employee(number="L1", department="配件部", status="left")
    auth.login_as("supervisor")
    html = client.get("/admin/competency/", query_string={"department": "配件部"})
    assert list(matrix_rows(html.get_data(as_text=True))) == ["P1"]
    response = client.get("/admin/competency/export/", query_string={"department": "机修车间"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("W1", rows[1][1], "机修车间", "机修工")
    assert len(rows) == 2
    assert len(rows[0]) == 7
    assert sheet.cell(row=2, column=5).fill.fgColor.rgb.endswith("D9D9D9")  # missing


def test_only_the_exporting_roles_export_the_matrix(client, auth, freeze):
    freeze(NOW)
    for role, status in (("trainer", 403), ("safety_officer", 403), ("manager", 200)):
        auth.login_as(role)
        assert client.get("/admin/competency/").status_code == 200
        assert client.get("/admin/competency/export/").status_code == status, role
        auth.logout()
    for role in ("followup_agent", "service_advisor"):
        auth.login_as(role)
        assert client.get("/admin/competency/").status_code == 403
        auth.logout()


# -- a class's scores, on one screen ----------------------------------------------------------

def scores_form(session, **values) -> dict:
    form = {"action": "save"}
    for attendance in session.attendances:
        form[f"version-{attendance.id}"] = str(attendance.version)
        form[f"hours-{attendance.id}"] = "4"
    return form | values


def test_bulk_score_entry(client, auth, trainer):
    people = [make_employee(name=n) for n in ("甲", "乙", "丙")]
    session = make_session(attendees=people)
    a, b, c = session.attendances
    form = scores_form(session, **{f"score-{a.id}": "95", f"score-{b.id}": "79.5",
                                   f"score-{c.id}": "８０"})
    response = auth.post(f"/admin/training_session/scores/?id={session.id}", form)
    assert response.status_code == 302
    db.session.expire_all()
    results = {x.employee.name: (x.score, x.passed) for x in reload(
        TrainingSession, session.id).attendances}
    assert results == {"甲": (Decimal("95.0"), True), "乙": (Decimal("79.5"), False),
                       "丙": (Decimal("80.0"), True)}


def test_each_score_field_is_named_by_its_row_for_screen_readers(client, auth, trainer):
    """A table of bare fields reads "edit text" forty times: each says whose hours, score,
    result or removal it is, and a refused one points to its message."""
    session = make_session(attendees=[make_employee(name="甲")], pass_mark=None)
    [a] = session.attendances
    html = client.get(f"/admin/training_session/scores/?id={session.id}").get_data(as_text=True)
    for column in ("学时", "考核成绩", "考核结果", "删除"):
        assert f'aria-label="甲 · {column}"' in html, column
    form = scores_form(session, **{f"score-{a.id}": "abc"})
    html = auth.post(f"/admin/training_session/scores/?id={session.id}",
                     form).get_data(as_text=True)
    assert f'aria-describedby="score-{a.id}-error"' in html
    assert f'id="score-{a.id}-error"' in html


def test_one_wrong_score_saves_nothing(client, auth, trainer):
    session = make_session(attendees=[make_employee(), make_employee()])
    a, b = session.attendances
    for wrong in ("101", "abc", "-1", "85.25", "NaN"):
        form = scores_form(session, **{f"score-{a.id}": "90", f"score-{b.id}": wrong})
        response = auth.post(f"/admin/training_session/scores/?id={session.id}", form)
        assert response.status_code == 200, wrong
        html = response.get_data(as_text=True)
        assert f'name="score-{b.id}"' in html
        assert "is-invalid" in html
        assert f'value="{wrong}"' in html  # what was typed stays on the screen
    assert {x.score for x in reload(TrainingSession, session.id).attendances} == {None}


def test_no_results_before_the_session_is_held(client, auth, trainer):
    session = make_session(attendees=[make_employee()],
                           held_on=clock.today() + timedelta(days=30))
    (a,) = session.attendances
    response = auth.post(f"/admin/training_session/scores/?id={session.id}",
                         scores_form(session, **{f"score-{a.id}": "90"}))
    html = response.get_data(as_text=True)
    assert "结果从当天起登记" in html
    assert 'value="90"' in html  # kept on the screen
    assert reload(TrainingSession, session.id).attendances[0].score is None
    # Attendance may be planned ahead: hours alone are saved.
    response = auth.post(f"/admin/training_session/scores/?id={session.id}",
                         scores_form(session))
    assert response.status_code == 302


def test_a_stale_scores_screen_saves_nothing(client, auth, trainer):
    session = make_session(attendees=[make_employee()])
    (a,) = session.attendances
    form = scores_form(session, **{f"score-{a.id}": "90"})
    a.score = Decimal("70")  # someone else saved meanwhile
    db.session.commit()
    auth.post(f"/admin/training_session/scores/?id={session.id}", form)
    assert reload(Attendance, a.id).score == Decimal("70")


def test_without_an_exam_the_trainer_marks_who_passed(client, auth, trainer):
    session = make_session(attendees=[make_employee(), make_employee()], pass_mark=None,
                           method="on_the_floor")
    a, b = session.attendances
    form = scores_form(session, **{f"passed-{a.id}": "1", f"passed-{b.id}": "0"})
    auth.post(f"/admin/training_session/scores/?id={session.id}", form)
    assert [x.passed for x in reload(TrainingSession, session.id).attendances] == [True, False]


def test_adding_and_removing_attendees(client, auth, trainer):
    session = make_session()
    one = make_employee(department="配件部")
    make_employee(department="客服部")
    two = make_employee(department="客服部")
    make_employee(department="客服部", status="left")
    url = f"/admin/training_session/scores/?id={session.id}"
    auth.post(url, {"action": "add", "employees": [str(one.id)]})
    auth.post(url, {"action": "add", "department": "客服部", "employees": [str(one.id)]})
    session = reload(TrainingSession, session.id)
    assert sorted(a.employee.department for a in session.attendances) == ["客服部", "客服部",
                                                                          "配件部"]
    assert all(a.hours == Decimal("4.0") for a in session.attendances)
    removed = next(a for a in session.attendances if a.employee_id == two.id)
    auth.post(url, scores_form(session, **{f"remove-{removed.id}": "1"}))
    assert len(reload(TrainingSession, session.id).attendances) == 2


def test_employees_without_a_department_can_be_added_too(client, auth, trainer):
    """The department is optional: are those without one offered, after the others?"""
    session = make_session()
    make_employee(name="王五", department=None)
    make_employee(name="赵六", department=None)
    make_employee(name="李四", department="配件部")
    response = client.get(f"/admin/training_session/scores/?id={session.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index('label="配件部"') < html.index('label="未分配部门"') < html.index("王五")
    assert "赵六" in html


def test_a_new_pass_mark_decides_again(client, auth, trainer):
    session = make_session(attendees=[make_employee()])
    (a,) = session.attendances
    a.score, a.passed = Decimal("75"), False
    db.session.commit()
    form = {"title": session.title, "kind": "safety", "method": "classroom",
            "held_on": "2026-11-27", "hours": "4", "pass_mark": "70",
            "version": str(session.version)}
    assert auth.post(f"/admin/training_session/edit/?id={session.id}", form).status_code == 302
    assert reload(Attendance, a.id).passed is True


def test_a_new_session_goes_on_to_its_class_and_keeps_its_materials(client, auth, trainer):
    form = {"title": "新能源汽车高压安全", "kind": "technical", "method": "classroom",
            "held_on": "2026-11-27", "hours": "8", "pass_mark": "70",
            "materials_file": (io.BytesIO(b"%PDF-1.7 slides"), "课件.pdf")}
    response = auth.post("/admin/training_session/new/", form,
                         content_type="multipart/form-data")
    session = db.session.scalar(select(TrainingSession))
    assert response.headers["Location"].endswith(f"/admin/training_session/scores/?id={session.id}")
    materials = client.get(f"/admin/training_session/materials/?id={session.id}")
    assert materials.mimetype == "application/pdf"
    assert materials.data == b"%PDF-1.7 slides"
    form.update(title="不接受的文件", materials_file=(io.BytesIO(b"PK\x03\x04zip"), "a.docx"))
    response = auth.post("/admin/training_session/new/", form,
                         content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 1


def test_readers_cannot_enter_scores(client, auth, freeze):
    freeze(NOW)
    session = make_session(attendees=[make_employee()])
    auth.login_as("safety_officer")
    assert client.get(f"/admin/training_session/scores/?id={session.id}").status_code == 403
    assert auth.post(f"/admin/training_session/scores/?id={session.id}",
                     {"action": "add"}).status_code == 403


# -- records and exports ---------------------------------------------------------------------

def test_training_record_pdf_is_chinese_with_the_font_embedded(client, auth, trainer):
    person = make_employee(name="张培训", trades=["electrician"])
    attend(make_session(title="年度安全生产培训", held_on=days(-30)), person, 92, True)
    make_certificate(person, number="T440300009999")
    response = client.get(f"/admin/employee/record/?id={person.id}")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    for word in ("张培训", "年度安全生产培训", "T440300009999", "92"):
        assert word in text
    assert any("/FontFile2" in font.get_object().get("/FontDescriptor", {})
               for page in reader.pages for font in page["/Resources"]["/Font"].values())


def test_register_export_has_one_row_per_attendee(client, auth, freeze):
    freeze(NOW)
    session = make_session(title="=HYPERLINK(1)")  # a formula is not run
    attend(session, make_employee(name="甲"), 90, True)
    attend(session, make_employee(name="乙"), 50, False)
    make_session(title="别的培训", kind="technical")
    auth.login_as("supervisor")
    from backoffice.views.training import TrainingSessionAdmin

    kind = TrainingSessionAdmin.column_filters[0]  # the training type
    url = list_url(TrainingSessionAdmin, (kind, "safety")).replace("/training_session/",
                                                                    "/training_session/register/")
    response = client.get(url)
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[6], r[10]) for r in rows] == [("'=HYPERLINK(1)", "甲", 90),
                                                    ("'=HYPERLINK(1)", "乙", 50)]
    assert isinstance(rows[0][0], datetime)  # a date cell
    auth.logout()
    auth.login_as("trainer")
    assert client.get("/admin/training_session/register/").status_code == 403


def test_employee_numbers_are_unique(client, auth, trainer):
    make_employee(number="E0001", name="原有")
    form = {"number": " e0001 ", "name": "新人", "hired_on": "2026-11-01", "status": "active"}
    response = auth.post("/admin/employee/new/", form)
    assert response.status_code == 200
    assert "原有" in response.get_data(as_text=True)
    form["number"] = "E0002"
    assert auth.post("/admin/employee/new/", form).status_code == 302
    assert db.session.scalar(select(Employee.number).where(Employee.name == "新人")) == "E0002"


def test_a_user_account_belongs_to_one_employee(client, auth, trainer):
    account = make_user("service_advisor", "advisor")
    make_employee(user=account)
    form = {"number": "E0100", "name": "另一人", "hired_on": "2026-11-01", "status": "active",
            "user": str(account.id)}
    assert auth.post("/admin/employee/new/", form).status_code == 200


# -- bounded queries ---------------------------------------------------------------------------

@pytest.fixture
def count_queries(app):
    counted = []

    def count(*args):
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    yield counted
    event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("url", ["/admin/employee/", "/admin/competency/",
                                 "/admin/certificate/", "/admin/training_session/", "/admin/"])
def test_pages_ask_the_database_a_bounded_number_of_times(client, auth, trainer, url,
                                                          count_queries):
    def grow(n):
        for _ in range(n):
            person = make_employee(trades=["electrician"])
            make_certificate(person)
            attend(make_session(attendees=[]), person, 90, True)

    grow(2)
    client.get(url)
    count_queries.clear()
    client.get(url)
    few = len(count_queries)
    grow(8)
    client.get(url)
    count_queries.clear()
    client.get(url)
    assert len(count_queries) == few


# -- demo data -----------------------------------------------------------------------------------

def test_seed_training_covers_every_state_once(app, freeze):
    freeze(NOW)
    make_user("service_advisor", "advisor1", display_name="陈刚")
    assert training.seed_training() == 40
    db.session.commit()
    assert training.seed_training() == 0
    employees = db.session.scalars(select(Employee)).all()
    assert len({e.department for e in employees}) == 5
    assert next(e for e in employees if e.name == "陈刚").user.username == "advisor1"
    assessment = training.assess_all(TODAY)
    reminders = assessment.reminders()
    for key in ("expired", "review_overdue", 7, 30, 60, 90):
        assert reminders.get(key), key
    assert assessment.flags()
    assert assessment.training_gaps()
    assert assessment.training_due_soon()
    scores = db.session.scalars(select(Attendance.score).where(Attendance.score.is_not(None)))
    assert len(list(scores)) > 100


def test_the_staff_assessed_from_rows_finds_what_their_records_give(app, freeze):
    """assess_all (the home pages, the employee list's training filter) reads rows of the
    employees' and certificates' columns, not records (which were half of its time):
    the same cells, flags, reminders and queues as an assessment of the records."""
    freeze(NOW)
    training.seed_training()
    # A trade's only certificate deleted: not counted, the trade's is missing.
    gone = db.session.execute(
        select(Certificate.employee_id, Certificate.trade).where(Certificate.trade.is_not(None))
        .group_by(Certificate.employee_id, Certificate.trade).having(func.count() == 1)).first()
    db.session.scalars(select(Certificate).filter_by(**gone._asdict())).one().soft_delete(NOW)
    db.session.commit()
    db.session.expunge_all()
    rows = training.assess_all(TODAY)
    assert rows.trades[gone.employee_id][gone.trade].status == "missing"
    assert not [o for o in db.session.identity_map.values()
                if isinstance(o, Employee | Certificate)]
    records = training.assess(db.session.scalars(training.active_employees()).all(), TODAY)

    def seen(assessment):
        return (
            [e.id for e in assessment.employees], assessment.trainings,
            {e: {trade: (c.status, c.due_on, c.certificate and c.certificate.id)
                 for trade, c in cells.items()} for e, cells in assessment.trades.items()},
            [(f.employee.id, f.employee.name, f.trade, f.reason) for f in assessment.flags()],
            {key: [c.id for c in certs] for key, certs in assessment.reminders().items()},
            assessment.training_gaps(), assessment.training_due_soon(),
        )

    assert seen(rows) == seen(records)
    assert all(seen(rows)[3:])  # flags, reminders and both queues: none empty


# -- the assessment kept between requests (revisions.py) -----------------------------------------

def lacking_training(client) -> int:
    """The count the home page gives to 必修培训缺失的员工 (0 when not listed)."""
    html = client.get("/admin/").get_data(as_text=True)
    found = re.search(r">必修培训缺失的员工</a>\s*<span[^>]*>(\d+)<", html)
    return int(found.group(1)) if found else 0


@pytest.fixture
def statements(app):
    """The SQL statements run from now on."""
    ran = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        ran.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    yield ran
    event.remove(db.engine, "before_cursor_execute", remember)


def test_the_assessment_is_kept_until_training_data_changes(client, trainer, freeze,
                                                            statements):
    """The home page assesses every employee (some 25 ms for 500): the process keeps
    the assessment while no training data changes, and assesses again once it does."""
    first, second = make_employee(), make_employee()  # neither has had safety training
    newcomer = make_employee(hired_on=TODAY - timedelta(days=10))  # within onboarding
    assert lacking_training(client) == 2
    statements.clear()
    assert lacking_training(client) == 2
    assert not [s for s in statements if "attendance" in s]  # not assessed again
    for kind in ("onboarding", "safety"):
        attend(make_session(kind=kind), first, score=90, passed=True)
    assert lacking_training(client) == 1
    assert [s for s in statements if "attendance" in s]
    second.status = "left"
    db.session.commit()
    assert lacking_training(client) == 0
    db.session.add(Setting(key="onboarding_days", value="7"))  # the newcomer is late now
    db.session.commit()
    assert lacking_training(client) == 1
    newcomer.hired_on = TODAY
    db.session.commit()
    assert lacking_training(client) == 0
    freeze(NOW + timedelta(days=8))  # a new day, nothing changed: assessed anew
    assert lacking_training(client) == 1


def test_a_change_on_another_app_server_is_seen_at_the_next_request(app, client, trainer):
    """Each server keeps its own assessment and checks the token on every use."""
    make_employee()
    assert lacking_training(client) == 1
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        db.session.add(Employee(name="新员工", number="T99999", department="机修车间",
                                position="机修工", hired_on=TODAY - timedelta(days=400),
                                status="active", trades=[]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert lacking_training(client) == 2


def test_training_data_written_in_bulk_is_assessed_anew(client, trainer):
    """The scale data's employees, classes and certificates go in as bulk INSERTs, which
    no flush sees: the bulk write marks the training data changed itself, or the home
    page would keep the assessment made before it."""
    from backoffice import demo, scale

    assert lacking_training(client) == 0
    demo.seed_users("a long demo passphrase 1")  # the scale data's agents, advisors
    scale.seed("test")
    db.session.commit()
    assert lacking_training(client) > 0


def test_an_assessment_made_in_a_rolled_back_transaction_is_not_used_after(app, freeze):
    """Made while this transaction changes training data (its token is written as it
    commits, and it may be rolled back), an assessment is for this request only."""
    freeze(NOW)
    employee = make_employee()

    def gaps():
        g.pop("training_assessments", None)
        return training.assess_all(TODAY).training_gaps()

    assert gaps() == [employee.id]
    employee.status = "left"
    db.session.flush()
    assert gaps() == []
    db.session.rollback()
    assert gaps() == [employee.id]
