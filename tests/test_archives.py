"""Customer archives: the screens, the 2-day rule, search, the archive page and PDF."""
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditLog, Customer, Vehicle, Visit

from .factories import make_customer, make_user, make_vehicle, make_visit, pdf_text

NOW = datetime(2026, 11, 27, 10, 0)  # a Friday, Asia/Shanghai


@pytest.fixture
def agent(auth, freeze):
    freeze(NOW)
    user = make_user("followup_agent", "agent")
    auth.login("agent")
    return user


def rows_of(html: str, column: str) -> list[str]:
    """The text of one column of a Flask-Admin list page, top to bottom."""
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'<td class="col-{column}">(.*?)</td>', html, re.S)
    ]


def customer_form(**overrides) -> dict:
    form = {"name": "王小明", "kind": "person", "mobile": "13812345678",
            "preferred_channel": "phone", "contact_consent": "y"}
    return {**form, **overrides}


# -- customers ---------------------------------------------------------------------------

def test_create_customer_normalizes_the_mobile(client, auth, agent):
    response = auth.post("/admin/customer/new/", customer_form(mobile="+86 138-1234-5678"))
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer))
    assert customer.mobile == "13812345678"
    assert customer.mobile_reversed == "87654321831"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "1381234567", "手机号码为 11 位"),
        ("mobile", "12812345678", "手机号码以 13 至 19 开头"),
        ("other_phone", "0755-123", "固定电话"),
        ("name", "", "此项必须填写"),
    ],
)
def test_bad_customer_input_is_refused_in_chinese(client, auth, agent, field, value, message):
    response = auth.post("/admin/customer/new/", customer_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_landline_is_accepted_as_other_phone(client, auth, agent):
    auth.post("/admin/customer/new/", customer_form(other_phone="(0755)88886666"))
    assert db.session.scalar(select(Customer.other_phone)) == "0755-88886666"


def test_second_customer_with_the_same_mobile_is_refused_with_a_link(client, auth, agent):
    first = make_customer(name="李四", mobile="13912345678")
    response = auth.post("/admin/customer/new/", customer_form(mobile="139 1234 5678"))
    html = response.get_data(as_text=True)
    # (no space after the Chinese colon)
    assert f'已有使用此手机号的客户：<a href="/admin/customer/archive/?id={first.id}"' in html
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_editing_a_customer_keeps_its_own_mobile(client, auth, agent):
    customer = make_customer(mobile="13912345678")
    form = customer_form(mobile="13912345678", name="改名", version=str(customer.version))
    assert auth.post(f"/admin/customer/edit/?id={customer.id}", form).status_code == 302
    assert db.session.get(Customer, customer.id).name == "改名"


# -- vehicles ----------------------------------------------------------------------------

def vehicle_form(owner, **overrides) -> dict:
    form = {"owner": str(owner.id), "plate_number": "粤B12345", "vehicle_kind": "sedan"}
    return {**form, **overrides}


def test_plate_and_vin_are_normalized(client, auth, agent):
    owner = make_customer()
    response = auth.post("/admin/vehicle/new/", vehicle_form(
        owner, plate_number="粤b·d1234 5", vin="1m8gdm9axkp042788"
    ))
    assert response.status_code == 302
    vehicle = db.session.scalar(select(Vehicle))
    assert vehicle.plate_number == "粤BD12345"
    assert vehicle.plate_reversed == "54321DB粤"
    assert vehicle.vin == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("plate_number", "粤BI2345", "不使用字母 I 和 O"),
        ("plate_number", "AB12345", "省份简称"),
        ("plate_number", "粤B1234", "5 位字符"),
        ("vin", "1M8GDM9AXKP04278", "17 位"),
        ("vin", "1M8GDM9A1KP042788", "校验位"),
        ("current_mileage", "-5", "不能为负数"),
    ],
)
def test_bad_vehicle_input_is_refused_in_chinese(client, auth, agent, field, value, message):
    response = auth.post("/admin/vehicle/new/", vehicle_form(make_customer(), **{field: value}))
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


@pytest.mark.parametrize("field", ["plate_number", "vin"])
def test_duplicate_plate_or_vin_is_refused_with_a_link(client, auth, agent, field):
    existing = make_vehicle(plate_number="粤B88888", vin="1M8GDM9AXKP042788")
    value = {"plate_number": "粤B 88888", "vin": "1m8gdm9axkp042788"}[field]
    other = {"plate_number": "粤B77777", "vin": None}
    form = vehicle_form(make_customer(), **{**{k: v for k, v in other.items() if v}, field: value})
    html = auth.post("/admin/vehicle/new/", form).get_data(as_text=True)
    assert "已有使用此" in html
    assert f'/admin/customer/archive/?id={existing.customer_id}' in html
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 1


def test_add_vehicle_from_the_archive_page_preselects_the_owner(client, auth, agent):
    owner = make_customer(name="预选车主")
    html = client.get(f"/admin/vehicle/new/?customer_id={owner.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="owner"[^>]*>', html).group(0)
    assert f'value="{owner.id}"' in field


# -- visits and the 2-day rule -------------------------------------------------------------

def visit_form(vehicle, **overrides) -> dict:
    form = {
        "vehicle": str(vehicle.id), "kind": "maintenance", "visited_at": "2026-11-27 09:00:00",
        "mileage": "12000", "maintenance_interval_months": "6",
        "maintenance_interval_km": "5000",
    }
    return {**form, **overrides}


def test_recording_a_visit_fills_the_archive(client, auth, agent):
    """Does a visit get its customer, archive due date and next maintenance, and move the
    vehicle's mileage and next maintenance?"""
    vehicle = make_vehicle(current_mileage=8000)
    assert auth.post("/admin/visit/new/", visit_form(vehicle)).status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.customer_id == vehicle.customer_id
    assert visit.archive_due_on == date(2026, 11, 29)
    assert visit.archive_status == "open"
    assert (visit.next_maintenance_date, visit.next_maintenance_km) == (date(2027, 5, 27), 17000)
    db.session.refresh(vehicle)
    assert vehicle.current_mileage == 12000
    assert vehicle.next_maintenance_date == date(2027, 5, 27)


def test_next_maintenance_typed_by_hand_is_kept(client, auth, agent):
    vehicle = make_vehicle()
    auth.post("/admin/visit/new/", visit_form(vehicle, next_maintenance_date="2027-03-01"))
    visit = db.session.scalar(select(Visit))
    assert visit.next_maintenance_date == date(2027, 3, 1)
    assert visit.next_maintenance_km == 17000


def test_lower_mileage_needs_a_reason(client, auth, agent):
    vehicle = make_vehicle(current_mileage=20000)
    response = auth.post("/admin/visit/new/", visit_form(vehicle, mileage="15000"),
                         follow_redirects=True)
    assert "里程低于上次记录的 20000 公里" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
    form = visit_form(vehicle, mileage="15000", mileage_correction_reason="上次录入错误")
    assert auth.post("/admin/visit/new/", form).status_code == 302
    db.session.refresh(vehicle)
    assert vehicle.current_mileage == 15000


def test_correcting_a_visits_completion_moves_its_planned_first_call(client, auth, agent):
    from backoffice.models import FollowUpCall

    from .forms import page_form

    vehicle = make_vehicle()
    auth.post("/admin/visit/new/", visit_form(vehicle, completed_at="2026-11-27 09:30:00"))
    visit = db.session.scalar(select(Visit))
    first = db.session.scalar(select(FollowUpCall).where(FollowUpCall.visit_id == visit.id))
    due = (first.due_from, first.due_by)
    url = f"/admin/visit/edit/?id={visit.id}"
    form = page_form(client.get(url).get_data(as_text=True)).data(
        visited_at="2026-11-25 09:00:00", completed_at="2026-11-25 17:00:00")
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    first = db.session.get(FollowUpCall, first.id)
    assert (first.due_from, first.due_by) == tuple(day - timedelta(days=2) for day in due)


@pytest.mark.parametrize(("fields", "message"), [
    ({"visited_at": "2027-01-01 09:00:00"}, "不能是将来的日期或时间"),
    ({"completed_at": "2026-11-26 17:00:00"}, "完工时间不能早于送修/来访时间"),
    ({"next_maintenance_date": "2025-01-01"}, "下次保养日期不能早于送修/来访日期"),
])
def test_a_visits_dates_keep_their_order(client, auth, agent, fields, message):
    response = auth.post("/admin/visit/new/", visit_form(make_vehicle(), **fields))
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_negative_mileage_is_refused(client, auth, agent):
    response = auth.post("/admin/visit/new/", visit_form(make_vehicle(), mileage="-1"))
    assert "不能为负数" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("visited", "archived", "today", "status"),
    [
        ("2026-11-25 18:00", None, "2026-11-27", "open"),       # the last day
        ("2026-11-25 18:00", None, "2026-11-28", "overdue"),    # the day after
        ("2026-11-25 18:00", "2026-11-27 23:59", "2026-12-01", "on_time"),
        ("2026-11-25 18:00", "2026-11-28 00:01", "2026-12-01", "late"),
        ("2026-12-30 20:00", None, "2027-01-01", "open"),       # over the year end
        ("2026-12-30 20:00", None, "2027-01-02", "overdue"),
        ("2026-11-27 00:30", "2026-11-27 01:00", "2026-11-27", "on_time"),
    ],
)
def test_archive_status_at_the_edges_of_the_2_day_rule(
    client, auth, agent, freeze, visited, archived, today, status
):
    """Is the archive due 2 days after the visit (local days), and the status right?"""
    visit = make_visit(
        visited_at=datetime.fromisoformat(visited),
        archived_at=datetime.fromisoformat(archived) if archived else None,
    )
    freeze(datetime.fromisoformat(today + " 12:00"))
    assert visit.archive_status == status
    filtered = client.get("/admin/visit/", query_string={"flt0_0": status}).get_data(as_text=True)
    assert len(rows_of(filtered, "archive_status")) == 1
    others = {"open", "overdue", "on_time", "late"} - {status}
    for other in others:
        html = client.get("/admin/visit/", query_string={"flt0_0": other}).get_data(as_text=True)
        assert rows_of(html, "archive_status") == [], other


def test_mark_archived_action(client, auth, agent):
    visit = make_visit()
    response = auth.post("/admin/visit/action/", {"action": "archive", "rowid": visit.id})
    assert response.status_code == 302
    visit = db.session.get(Visit, visit.id)
    assert visit.archived_by_id == agent.id
    assert visit.archive_status == "on_time"


def test_mark_archived_needs_write_permission(app, client, auth, freeze):
    visit = make_visit()
    auth.login_as("manager")
    response = auth.post("/admin/visit/action/", {"action": "archive", "rowid": visit.id})
    assert response.status_code == 403
    assert db.session.get(Visit, visit.id).archived_at is None


def test_home_page_shows_overdue_archives_to_agents_and_the_supervisor(app, client, auth, freeze):
    freeze(NOW)
    mine = make_user("followup_agent", "agent")
    theirs = make_user("followup_agent", "agent_b")
    old = NOW - timedelta(days=4)
    make_visit(vehicle=make_vehicle(owner=make_customer(agent=mine)), visited_at=old)
    make_visit(vehicle=make_vehicle(owner=make_customer(agent=theirs)), visited_at=old)
    make_visit(vehicle=make_vehicle(owner=make_customer(agent=theirs)), visited_at=NOW)  # open
    make_visit(
        vehicle=make_vehicle(owner=make_customer(agent=mine)), visited_at=old,
        archived_at=old + timedelta(days=1),
    )
    auth.login("agent")
    home = client.get("/admin/").get_data(as_text=True)
    item = re.search(r'<a href="([^"]+)">建档逾期（2 天规则）</a>\s*<span[^>]*>(\d+)</span>', home)
    assert item.group(2) == "1"
    listed = client.get(item.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(rows_of(listed, "archive_status")) == 1
    auth.logout()
    auth.login_as("supervisor")
    home = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"建档逾期（2 天规则）</a>\s*<span[^>]*>2</span>", home)
    auth.logout()
    auth.login_as("service_advisor")
    assert "建档逾期" not in client.get("/admin/").get_data(as_text=True)


# -- search --------------------------------------------------------------------------------

@pytest.fixture
def fleet(agent):
    """Three customers with vehicles to search among."""
    wang = make_customer(name="王小明", mobile="13812345678")
    wangs = make_customer(name="王大伟", mobile="13987654321")
    li = make_customer(name="李四", mobile="13712340000", kind="company")
    make_vehicle(owner=wang, plate_number="粤B12345", vin="1M8GDM9AXKP042788",
                 vehicle_kind="suv", next_maintenance_date=date(2026, 11, 28))
    make_vehicle(owner=wangs, plate_number="粤BD54321", vin="LSVAM4187C2184847",
                 vehicle_kind="sedan", next_maintenance_date=date(2026, 11, 20))
    make_vehicle(owner=li, plate_number="京A99999", vehicle_kind="sedan",
                 next_maintenance_date=date(2026, 12, 15))
    return wang, wangs, li


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("王", {"王小明", "王大伟"}),
        ("王小", {"王小明"}),
        ("13812345678", {"王小明"}),
        ("5678", {"王小明"}),
        ("0000", {"李四"}),
        ("1398", {"王大伟"}),
        ("粤B12345", {"王小明"}),
        ("粤b 12345", {"王小明"}),
        ("2345", {"王小明"}),
        ("54321", {"王大伟"}),
        ("京A", {"李四"}),
        ("1m8gdm9axkp042788", {"王小明"}),  # a whole VIN
        ("184847", {"王大伟"}),  # a VIN's last six
        ("4847", set()),  # four are too few for a VIN (and no mobile or plate ends so)
        ("赵", set()),
    ],
)
def test_customer_search(client, fleet, term, expected):
    html = client.get("/admin/customer/", query_string={"search": term}).get_data(as_text=True)
    assert set(rows_of(html, "name")) == expected


def test_the_search_field_and_its_clearing_are_named(client, fleet):
    """The search box is named by what it searches (its placeholder alone is no name
    for every screen reader), and its × by what it does."""
    html = client.get("/admin/customer/", query_string={"search": "王"}).get_data(as_text=True)
    placeholder = re.search(r'name="search"[^>]*placeholder="([^"]+)"', html).group(1)
    assert f'aria-label="{placeholder}"' in html
    assert 'aria-label="清除搜索"' in html


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("粤B", {"粤B12345", "粤BD54321"}),
        ("12345", {"粤B12345"}),
        ("99", {"京A99999"}),
        ("1M8GDM9AXKP042788", {"粤B12345"}),
        ("184847", {"粤BD54321"}),
        ("王大", {"粤BD54321"}),
    ],
)
def test_vehicle_search(client, fleet, term, expected):
    html = client.get("/admin/vehicle/", query_string={"search": term}).get_data(as_text=True)
    assert set(rows_of(html, "plate_number")) == expected


def test_visit_search_by_plate_and_customer(client, fleet):
    wang, wangs, _li = fleet
    make_visit(vehicle=wang.vehicles[0])
    make_visit(vehicle=wangs.vehicles[0])
    html = client.get("/admin/visit/", query_string={"search": "2345"}).get_data(as_text=True)
    assert rows_of(html, "vehicle") == ["粤B12345"]
    html = client.get("/admin/visit/", query_string={"search": "王大"}).get_data(as_text=True)
    assert rows_of(html, "vehicle") == ["粤BD54321"]
    html = client.get("/admin/visit/", query_string={"search": "042788"}).get_data(as_text=True)
    assert rows_of(html, "vehicle") == ["粤B12345"]


def test_owner_picker_searches_by_name_and_mobile(client, fleet):
    def lookup(query):
        response = client.get(
            "/admin/vehicle/ajax/lookup/", query_string={"name": "owner", "query": query}
        )
        return {label.split()[0] for _id, label in response.get_json()}

    assert lookup("王") == {"王小明", "王大伟"}
    assert lookup("4321") == {"王大伟"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("overdue", {"粤BD54321"}), ("this_week", {"粤B12345"}),
     ("this_month", {"粤B12345"})],
)
def test_next_maintenance_filter(client, fleet, value, expected):
    html = client.get("/admin/vehicle/", query_string={"flt0_1": value}).get_data(as_text=True)
    assert set(rows_of(html, "plate_number")) == expected


def test_vehicle_kind_and_agent_filters(client, fleet, agent):
    html = client.get("/admin/vehicle/", query_string={"flt0_0": "sedan"}).get_data(as_text=True)
    assert set(rows_of(html, "plate_number")) == {"粤BD54321", "京A99999"}
    wang = fleet[0]
    wang.agent = agent
    db.session.commit()
    html = client.get("/admin/customer/", query_string={"flt0_1": str(agent.id)}).get_data(
        as_text=True
    )
    assert rows_of(html, "name") == ["王小明"]


def test_list_pages_do_not_query_per_row(app, client, fleet):
    """Do relation columns load with the page, not one query per row?"""
    for n in range(25):
        make_visit(vehicle=fleet[n % 3].vehicles[0], visited_at=NOW - timedelta(days=n))
    statements = []

    from sqlalchemy import event

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url in ("/admin/visit/", "/admin/customer/", "/admin/vehicle/"):
            statements.clear()
            assert client.get(url).status_code == 200
            assert len(statements) <= 8, (url, len(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_lists_show_related_records_but_not_deleted_ones(client, agent):
    """A customer's deleted vehicle leaves the customers list's vehicles column, as it
    leaves every other list; the live ones show, on each customer's row."""
    owner, other = make_customer(name="孙七"), make_customer(name="周八")
    make_vehicle(owner=owner, plate_number="粤B10001")
    sold = make_vehicle(owner=owner, plate_number="粤B10002")
    make_vehicle(owner=other, plate_number="粤B10003")
    sold.deleted_at = NOW
    db.session.commit()
    html = client.get("/admin/customer/").get_data(as_text=True)
    rows = dict(zip(rows_of(html, "name"), rows_of(html, "vehicles"), strict=True))
    assert rows["孙七"] == "粤B10001"
    assert rows["周八"] == "粤B10003"


def test_a_lists_header_sorts_by_a_column_and_the_sorted_one_the_other_way(client, agent):
    def header(query: str) -> str:
        html = client.get(f"/admin/customer/{query}").get_data(as_text=True)
        return re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)

    plain = header("")
    assert re.search(r'<a href="/admin/customer/\?sort=0[&"][^>]*>客户名称</a>', plain)
    assert '<th class="column-header col-kind">客户类型</th>' in plain  # not sortable
    ascending = header("?sort=0")
    assert re.search(r'href="/admin/customer/\?sort=0&amp;desc=1[&"][^>]*>客户名称 '
                     r'<span class="fa fa-chevron-up', ascending)
    descending = header("?sort=0&desc=1")
    assert re.search(r'href="/admin/customer/\?sort=0[&"][^>]*>客户名称 '
                     r'<span class="fa fa-chevron-down', descending)


# -- the archive page and its PDF ----------------------------------------------------------

def test_archive_page_shows_the_basic_data_sheet_and_history(client, auth, agent):
    customer = make_customer(
        name="赵六", address="深圳市南山区科技园", wished_services="上门取送车"
    )
    vehicle = make_vehicle(owner=customer, plate_number="粤B66666", vehicle_model="卡罗拉")
    make_visit(vehicle=vehicle, visited_at=NOW - timedelta(days=200), service_items="旧的保养")
    make_visit(vehicle=vehicle, visited_at=NOW - timedelta(days=2), service_items="最近的维修",
               maintenance_interval_months=6, maintenance_interval_km=5000)
    html = client.get(f"/admin/customer/archive/?id={customer.id}").get_data(as_text=True)
    for text in ("客户档案基本资料表", "赵六", "深圳市南山区科技园", "上门取送车", "卡罗拉",
                 "粤B66666", "6 个月 / 5000 公里", "维修、保养记录"):
        assert text in html, text
    assert html.index("最近的维修") < html.index("旧的保养")  # newest first


def test_archive_pdf_is_chinese_with_the_font_embedded(client, auth, agent):
    customer = make_customer(name="钱七", address="广州市天河区体育西路")
    make_visit(vehicle=make_vehicle(owner=customer, plate_number="粤A12345"),
               service_items="更换刹车片")
    response = client.get(f"/admin/customer/archive/pdf/?id={customer.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7%E6%A1%A3%E6%A1%88" in response.headers[
        "Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    for word in ("客户档案基本资料表", "钱七", "广州市天河区体育西路", "粤A12345", "更换刹车片"):
        assert word in text, word
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [
        f.get_object()["/BaseFont"] for f in fonts.values()
        if "/FontFile2" in f.get_object().get("/FontDescriptor", {})
    ]
    assert embedded, "the CJK font must be embedded"


def test_pdf_fetches_nothing_named_by_user_text(client, auth, agent):
    """Is markup in a customer's text printed as text, with nothing fetched?"""
    hostile = '<img src="http://127.0.0.1:9/x.png"> <img src="/etc/passwd"> =1+1'
    customer = make_customer(name="测试", notes=hostile)
    response = client.get(f"/admin/customer/archive/pdf/?id={customer.id}")
    text = pdf_text(response.data)
    assert "/etc/passwd" in text
    assert "root:" not in text


def test_archive_page_of_a_missing_customer_is_404(client, agent):
    assert client.get("/admin/customer/archive/?id=999").status_code == 404


# -- export and privacy --------------------------------------------------------------------

def test_xlsx_export_has_chinese_headers_typed_cells_and_escaped_formulas(client, auth, freeze):
    freeze(NOW)
    make_user("supervisor")
    auth.login("supervisor")
    make_vehicle(owner=make_customer(name="=HYPERLINK(\"http://x\")"), plate_number="粤B11111",
                 current_mileage=23500, purchase_date=date(2023, 5, 1))
    response = client.get("/admin/vehicle/export/xlsx/")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E8%BD%A6%E8%BE%86_2026-11-27.xlsx" in response.headers[
        "Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["车牌号", "车主", "车辆识别代号"]
    row = {h: cell.value for h, cell in zip(header, sheet[2], strict=True)}
    assert row["当前里程（公里）"] == 23500
    assert row["购车日期"].date() == date(2023, 5, 1)
    assert row["车主"] == "'=HYPERLINK(\"http://x\")"


def test_csv_export_for_excel_and_nothing_left_open(app, client, auth, freeze):
    freeze(NOW)
    auth.login_as("supervisor")
    make_customer(name="+cmd|' /C calc'!A0", mobile="13811112222")
    response = client.get("/admin/customer/export/csv/")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff客户名称,")
    assert "'+cmd|' /C calc'!A0" in text
    assert db.engine.pool.checkedout() == 0  # the streaming export closed its session


def test_manager_sees_masked_mobiles_everywhere(client, auth, freeze):
    freeze(NOW)
    customer = make_customer(name="隐私客户", mobile="13900001234")
    customer.mobile = "13812341234"  # the audit log holds both, old and new
    db.session.commit()
    entry = db.session.scalar(select(AuditLog.id).where(AuditLog.model == "customer",
                                                        AuditLog.action == "update"))
    auth.login_as("manager")
    pages = [
        client.get("/admin/customer/"),
        client.get(f"/admin/customer/details/?id={customer.id}"),
        client.get(f"/admin/customer/archive/?id={customer.id}"),
        client.get("/admin/customer/export/csv/"),
        client.get("/admin/audit_log/"),
        client.get(f"/admin/audit_log/details/?id={entry}"),
        client.get("/admin/audit_log/export/csv/"),
    ]
    for page in pages:
        text = page.get_data(as_text=True)
        assert "138****1234" in text, page.request.path
        assert "13812341234" not in text
        assert "13900001234" not in text
        assert "43214321831" not in text  # nor its reversed copy (kept for searches)
    sheet = load_workbook(io.BytesIO(client.get("/admin/customer/export/xlsx/").data)).active
    assert "138****1234" in [c.value for c in sheet[2]]


def test_other_roles_see_full_mobiles(client, auth, agent):
    make_customer(mobile="13812341234")
    assert "13812341234" in client.get("/admin/customer/").get_data(as_text=True)


# -- demo data -------------------------------------------------------------------------------

def test_demo_archives_are_realistic_and_valid(app, runner):
    from backoffice import rules

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Customer)) >= 200
    for vehicle in db.session.scalars(select(Vehicle)):
        assert rules.normalize_plate(vehicle.plate_number) == vehicle.plate_number
        assert rules.is_valid_vin(vehicle.vin)
    for customer in db.session.scalars(select(Customer)):
        assert rules.is_valid_mobile(customer.mobile)
    statuses = {v.archive_status for v in db.session.scalars(select(Visit))}
    assert statuses == {"on_time", "late", "open", "overdue"}
    audited = select(func.count()).select_from(AuditLog).where(AuditLog.model == "customer")
    assert db.session.scalar(audited) == db.session.scalar(
        select(func.count()).select_from(Customer)
    )


def test_an_older_visit_does_not_move_the_vehicle_back(client, auth, agent):
    vehicle = make_vehicle()
    auth.post("/admin/visit/new/", visit_form(vehicle, visited_at="2026-11-20 09:00:00",
                                             mileage="12000"))
    auth.post("/admin/visit/new/", visit_form(vehicle, visited_at="2026-05-01 09:00:00",
                                             mileage="6000"))
    db.session.refresh(vehicle)
    assert vehicle.current_mileage == 12000
    assert vehicle.next_maintenance_date == date(2027, 5, 20)


# -- import ----------------------------------------------------------------------------------

HEADER = (
    "客户名称,手机,地址,联系方式偏好,同意被联系,车牌号,车辆识别代号,车种,购车日期,"
    "当前里程（公里）"
)


def upload(auth, content: bytes, name: str = "客户.csv"):
    return auth.post(
        "/admin/customer/import/", {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def import_csv(auth, lines: list[str], encoding: str = "utf-8"):
    response = upload(auth, "\n".join([HEADER, *lines]).encode(encoding))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


GOOD_ROWS = [
    "王小明,13812345678,深圳市南山区,微信,是,粤B12345,1M8GDM9AXKP042788,轿车,2023-05-01,23500",
    "王小明,13812345678,深圳市南山区,微信,是,粤B54321,,SUV,2024/1/2,100",
    "鹏达物流,13912345678,深圳市宝安区,电话,否,,,,,",
]
BAD_ROWS = [
    "李四,12345,,,,粤BI2345,,,,",
    ",13712345678,,传真,也许,,,,2023-13-01,-5",
]


def customers() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Customer))


def test_import_preview_then_import_everything(client, auth, agent):
    preview = import_csv(auth, GOOD_ROWS)
    html = client.get(preview).get_data(as_text=True)
    assert "3 行有效" in html
    assert customers() == 0  # the preview saved nothing
    response = auth.post(preview, {"mode": "all"}, follow_redirects=True)
    assert "已导入 2 位客户、2 辆车" in response.get_data(as_text=True)
    wang = db.session.scalar(select(Customer).where(Customer.mobile == "13812345678"))
    assert [v.plate_number for v in wang.vehicles] == ["粤B12345", "粤B54321"]
    assert wang.preferred_channel == "wechat"
    assert wang.vehicles[0].purchase_date == date(2023, 5, 1)
    assert wang.vehicles[1].purchase_date == date(2024, 1, 2)
    assert wang.vehicles[1].vehicle_kind == "suv"
    logistics = db.session.scalar(select(Customer).where(Customer.name == "鹏达物流"))
    assert logistics.contact_consent is False
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "create")).all()
    imported = [row for row in audit if row.model in ("customer", "vehicle")]
    assert len(imported) == 4
    assert {row.source for row in imported} == {"import"}
    assert {row.username for row in imported} == {"agent"}


def test_import_with_errors_saves_nothing_and_names_each_error(client, auth, agent):
    preview = import_csv(auth, GOOD_ROWS + BAD_ROWS)
    html = client.get(preview).get_data(as_text=True)
    for message in ("手机：手机号码为 11 位", "车牌号：车牌号中不使用字母 I 和 O",
                    "客户名称：必填", "联系方式偏好：请使用以下之一",
                    "同意被联系：请填写“是”或“否”",
                    "购车日期：没有这一天：2023-13-01", "当前里程（公里）：不能为负数"):
        assert message in html, message
    assert "2 行有错误" in html
    response = auth.post(preview, {"mode": "all"}, follow_redirects=True)
    assert "未导入任何数据" in response.get_data(as_text=True)
    assert customers() == 0


def test_import_only_the_valid_rows(client, auth, agent):
    preview = import_csv(auth, GOOD_ROWS + BAD_ROWS)
    auth.post(preview, {"mode": "valid"})
    assert customers() == 2
    assert client.get(preview).status_code == 404  # a batch is imported once


def test_import_finds_duplicates_in_the_archive_and_the_file(client, auth, agent):
    make_vehicle(owner=make_customer(mobile="13912345678"), plate_number="粤B12345")
    preview = import_csv(auth, GOOD_ROWS + [
        "赵五,13700000000,,,,粤B54321,,,,",
    ])
    html = client.get(preview).get_data(as_text=True)
    assert "车牌号：档案中已存在" in html
    assert "手机：档案中已存在" in html
    assert "车牌号：与第 3 行重复" in html


def test_import_reads_gbk_csv_and_xlsx(client, auth, agent):
    preview = import_csv(auth, GOOD_ROWS[2:], encoding="gb18030")
    assert "1 行有效" in client.get(preview).get_data(as_text=True)
    template = client.get("/admin/customer/import/template.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert sheet["A1"].value == "客户名称"
    response = upload(auth, template.data, "模板.xlsx")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 行有效" in preview


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"\x00\x01\x02binary\xff\xfe\x00", "既不是 xlsx 文件"),
        (b"PK\x03\x04not really a zip", "不是可读取的 Excel"),
        ("手机,地址\n13812345678,深圳".encode(), "必须有“客户名称”一列"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(client, auth, agent, content, message):
    response = upload(auth, content)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_import_needs_write_permission(client, auth, freeze):
    auth.login_as("manager")
    assert client.get("/admin/customer/import/").status_code == 403
    assert upload(auth, b"x").status_code == 403


def test_import_preview_belongs_to_its_uploader(app, client, auth, agent):
    from .conftest import Auth

    preview = import_csv(auth, GOOD_ROWS)
    make_user("followup_agent", "other_agent")
    other = Auth(app.test_client())
    other.login("other_agent")
    assert other.client.get(preview).status_code == 404


def test_deleting_a_customer_takes_its_vehicles_and_visits_and_restoring_brings_them_back(
    client, auth, freeze
):
    freeze(NOW)
    auth.login_as("admin")
    customer = make_customer(name="整户删除")
    kept = make_vehicle(owner=customer, plate_number="粤B10001")
    gone_before = make_vehicle(owner=customer, plate_number="粤B10002")
    make_visit(vehicle=kept)
    auth.post("/admin/vehicle/delete/", {"id": gone_before.id})
    freeze(NOW + timedelta(minutes=5))
    auth.post("/admin/customer/delete/", {"id": customer.id})
    for url in ("/admin/customer/", "/admin/vehicle/", "/admin/visit/"):
        assert "整户删除" not in client.get(url).get_data(as_text=True), url
    auth.post("/admin/customer/action/?trash=1", {"action": "restore", "rowid": customer.id})
    vehicles = client.get("/admin/vehicle/").get_data(as_text=True)
    assert "粤B10001" in vehicles
    assert "粤B10002" not in vehicles  # deleted on its own before: stays deleted
    assert len(rows_of(client.get("/admin/visit/").get_data(as_text=True), "vehicle")) == 1


def test_filter_lists_agents_added_after_start_up(client, auth, agent):
    make_user("followup_agent", "new_agent", display_name="新来的业务员")
    html = client.get("/admin/customer/").get_data(as_text=True)
    groups = json.loads(
        re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)
    )
    labels = {label for items in groups.values() for item in items
              for _value, label in item["options"] or []}
    assert "新来的业务员" in labels


def test_pages_show_no_python_values(client, auth, agent):
    """No "None" for a choice not made, "是"/"否" rather than True/False."""
    from .factories import make_call

    customer = make_customer(name="默认值", contact_consent=False)
    call = make_call(customer)  # planned: no result, no opinion yet
    for url in (f"/admin/customer/details/?id={customer.id}", "/admin/follow_up_call/",
                f"/admin/follow_up_call/details/?id={call.id}"):
        html = client.get(url).get_data(as_text=True)
        cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", html)
        assert not {"None", "True", "False"} & set(cells), url
    html = client.get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)
    assert re.search(r"同意被联系</b>\s*</td>\s*<td>\s*否\s*</td>", html)
