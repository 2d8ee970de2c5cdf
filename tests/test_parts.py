"""Parts supply: the catalogue, stock that moves only with a record and never below zero,
the parts order from the stock check to the customer's acceptance (a rejection opens a
complaint), the reception's parts step, and the parts to reorder on the home pages."""
import random
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from backoffice import parts
from backoffice.extensions import db
from backoffice.models import (
    AuditLog,
    Complaint,
    Part,
    PartsOrder,
    StockMovement,
)

from .factories import (
    make_customer,
    make_part,
    make_parts_order,
    make_reception,
    make_user,
    make_vehicle,
    reload,
)

NOW = datetime(2026, 11, 27, 10, 0)
TODAY = NOW.date()


def ledger(part_id: int) -> list[StockMovement]:
    db.session.expire_all()
    return list(db.session.scalars(select(StockMovement).where(
        StockMovement.part_id == part_id).order_by(StockMovement.id)))


def assert_ledger_adds_up(part_id: int) -> None:
    """The movements add up to the stock on hand, and each one's balance is the running sum."""
    running = 0
    for movement in ledger(part_id):
        running += movement.quantity
        assert movement.balance_after == running >= 0
    assert db.session.get(Part, part_id).stock_on_hand == running


# -- the catalogue ------------------------------------------------------------------------------

def test_a_part_is_catalogued_with_its_opening_stock(client, auth, advisor):
    response = auth.post("/admin/part/new/", {
        "number": "06l 115 562 b", "name": "机油滤清器", "brand": "大众", "origin": "original",
        "unit": "piece", "price": "68.00", "reorder_level": "10", "location": "A-01-02",
        "opening_stock": "24"})
    assert response.status_code == 302, response.get_data(as_text=True)
    part = db.session.scalar(select(Part))
    assert (part.number, part.stock_on_hand, part.reorder_level) == ("06L115562B", 24, 10)
    (movement,) = ledger(part.id)
    assert (movement.kind, movement.quantity, movement.reason, movement.user_id) == (
        "in", 24, "期初库存", advisor.id)
    page = client.get(f"/admin/part/details/?id={part.id}").get_data(as_text=True)
    assert "期初库存" in page
    assert 'id="stock-on-hand">24<' in page
    edit = client.get(f"/admin/part/edit/?id={part.id}").get_data(as_text=True)
    assert "opening_stock" not in edit  # later, stock moves only with a reason


def test_a_part_number_is_unique_and_checked(auth, advisor):
    make_part(number="06L115562B")
    duplicate = auth.post("/admin/part/new/", {"number": "06L115562B", "name": "机滤",
                                               "origin": "original", "unit": "piece",
                                               "reorder_level": "0"})
    assert "已有相同编号的配件" in duplicate.get_data(as_text=True)
    bad = auth.post("/admin/part/new/", {"number": "机油#1", "name": "机滤",
                                         "origin": "original", "unit": "piece",
                                         "reorder_level": "0"})
    assert "配件编号最多 40 位" in bad.get_data(as_text=True)
    negative = auth.post("/admin/part/new/", {"number": "X1", "name": "机滤",
                                              "origin": "original", "unit": "piece",
                                              "reorder_level": "-1"})
    assert "不能为负数" in negative.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Part)) == 1


def test_the_catalogue_is_searched_by_number_or_name_start(client, advisor):
    make_part(number="06L115562B", name="机油滤清器")
    make_part(number="5Q0698151B", name="前刹车片")
    for term, found, not_found in (("06L", "06L115562B", "5Q0698151B"),
                                   ("前刹", "5Q0698151B", "06L115562B"),
                                   ("5q0 698", "5Q0698151B", "06L115562B")):
        html = client.get("/admin/part/", query_string={"search": term}).get_data(as_text=True)
        assert found in html, term
        assert not_found not in html, term


# -- stock movements ------------------------------------------------------------------------------

def move(auth, part, kind, quantity, reason="测试", **extra):
    return auth.post(f"/admin/part/move/?id={part.id}",
                     {"kind": kind, "quantity": quantity, "reason": reason, **extra})


def test_stock_moves_in_out_and_by_count_each_with_who_and_why(client, auth, advisor):
    part = make_part(stock=10, name="空调滤清器")
    move(auth, part, "in", "5", "供应商到货 SH2026001")
    move(auth, part, "out", "3", "车间领用")
    response = move(auth, part, "adjust", "11", "月度盘点", seen="12")
    assert "空调滤清器 现有库存 11" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    movements = ledger(part.id)
    assert [(m.kind, m.quantity, m.balance_after) for m in movements] == [
        ("in", 10, 10), ("in", 5, 15), ("out", -3, 12), ("adjust", -1, 11)]
    assert movements[-1].user_id == advisor.id
    assert movements[-1].reason == "月度盘点"
    assert_ledger_adds_up(part.id)
    audited = db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.model == "stock_movement", AuditLog.action == "create"))
    assert audited == 4


@pytest.mark.parametrize(("kind", "quantity", "extra", "message"), [
    ("out", "11", {}, "库存不足：现有 10，需要 11"),
    ("out", "0", {}, "数量至少为 1"),
    ("in", "abc", {}, "请选择变动类型并填写整数"),
    ("in", "3", {"reason": ""}, "请填写库存变动的原因"),
    ("adjust", "-1", {"seen": "10"}, "盘点数量不能为负数"),
    ("adjust", "8", {"seen": "9"}, "盘点期间"),  # someone moved stock since the count began
])
def test_a_bad_movement_changes_nothing(client, auth, advisor, kind, quantity, extra, message):
    part = make_part(stock=10, name="空调滤清器")
    response = move(auth, part, kind, quantity, **extra)
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    assert reload(Part, part.id).stock_on_hand == 10
    assert len(ledger(part.id)) == 1


def test_a_stale_copy_of_the_part_cannot_oversell(app, freeze):
    """Another app server took stock after this one read the part: the conditional
    UPDATE goes by the database's stock, not the copy."""
    freeze(NOW)
    part = make_part(stock=5)
    stale = db.session.get(Part, part.id)
    db.session.expunge(stale)
    db.session.rollback()
    with app.app_context():  # the other server, with a session of its own
        parts.issue(db.session.get(Part, part.id), 3, "另一台服务器", None)
        db.session.commit()
    db.session.add(stale)
    assert stale.stock_on_hand == 5  # what this server still believes
    with pytest.raises(parts.StockRefused, match="现有 2，需要 3"):
        parts.issue(stale, 3, "本服务器", None)
    db.session.rollback()
    assert reload(Part, part.id).stock_on_hand == 2
    assert_ledger_adds_up(part.id)


def test_two_requests_at_once_sell_the_last_units_once(app, database, freeze):
    """Both read 5 on hand, both want 3: exactly one gets them (PostgreSQL: the second
    UPDATE waits for the first's row lock, then matches nothing; SQLite: the second
    request waits for the write lock)."""
    freeze(NOW)
    part_id = make_part(stock=5).id
    both_read = threading.Barrier(2) if database.kind == "postgresql" else None
    results = []

    def sell():
        with app.test_request_context("/admin/parts_order/hand_over/", method="POST"):
            part = db.session.get(Part, part_id)
            if both_read:
                both_read.wait(timeout=10)
            try:
                parts.issue(part, 3, "并发出库", None)
                db.session.commit()
                results.append("sold")
            except parts.StockRefused:
                db.session.rollback()
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sell) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.rollback()  # end this test's read snapshot: the requests wrote since
    assert sorted(results) == ["refused", "sold"]
    assert reload(Part, part_id).stock_on_hand == 2
    assert_ledger_adds_up(part_id)


def test_the_database_refuses_a_negative_stock_whatever_the_code(app):
    part = make_part(stock=1)
    below_zero = update(Part.__table__).where(Part.__table__.c.id == part.id).values(
        stock_on_hand=-1)
    with pytest.raises(IntegrityError):
        db.session.execute(below_zero)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO stock_movement (part_id, kind, quantity, "
                                "balance_after, reason, at) VALUES (:p, 'out', -2, -1, 'x', "
                                ":at)"), {"p": part.id, "at": NOW})
    db.session.rollback()


def test_movements_always_add_up_to_the_stock_and_never_below_zero(app, freeze):
    """Two hundred random movements and hand-overs, refused ones included."""
    freeze(NOW)
    rng = random.Random(20261127)
    catalogue = [make_part(stock=rng.randint(0, 5)) for _ in range(3)]
    customer = make_vehicle().owner
    for _ in range(200):
        part = rng.choice(catalogue)
        action = rng.choice(("in", "out", "count", "order"))
        try:
            if action == "in":
                parts.receive(part, rng.randint(1, 4), "到货", None)
            elif action == "out":
                parts.issue(part, rng.randint(1, 4), "领用", None)
            elif action == "count":
                parts.count(part, rng.randint(0, 6), "盘点", None, seen=part.stock_on_hand)
            else:
                order = make_parts_order([(part, rng.randint(1, 3))], customer=customer)
                parts.check_stock(order, None, NOW, TODAY)
                if order.state == "ready":
                    parts.hand_over(order, "handover", TODAY, None, None, None)
            db.session.commit()
        except parts.StockRefused:
            db.session.rollback()
    for part in catalogue:
        assert_ledger_adds_up(part.id)
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) > 100


# -- the parts order --------------------------------------------------------------------------

def new_order(auth, customer, lines, **extra):
    data = {"customer": customer.id, "vehicle": customer.vehicles[0].id, "notes": "", **extra}
    for n, (part, quantity) in enumerate(lines):
        data |= {f"lines-{n}-part": part.id, f"lines-{n}-quantity": quantity}
    return auth.post("/admin/parts_order/new/", data)


def test_the_order_from_stock_check_to_acceptance(client, auth, advisor):
    customer = make_vehicle(owner=make_customer(name="王先生")).owner
    filt, plugs = make_part(stock=5, name="机油滤清器"), make_part(stock=8, name="火花塞")
    response = new_order(auth, customer, [(filt, 1), (plugs, 4)])
    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.scalar(select(PartsOrder))
    assert (order.state, order.ordered_on, order.handled_by_id) == ("open", TODAY, advisor.id)
    assert [line.unit_price for line in order.lines] == [filt.price, plugs.price]
    assert response.headers["Location"].endswith(f"/admin/parts_order/details/?id={order.id}")

    checked = auth.post(f"/admin/parts_order/check/?id={order.id}")
    assert "配件全部有货" in client.get(checked.headers["Location"]).get_data(as_text=True)
    assert reload(PartsOrder, order.id).state == "ready"

    auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
              {"delivery": "handover", "day": TODAY.isoformat(), "by": advisor.id})
    order = reload(PartsOrder, order.id)
    assert (order.state, order.delivery, order.handed_over_on, order.handed_over_by_id) == (
        "handed_over", "handover", TODAY, advisor.id)
    assert (reload(Part, filt.id).stock_on_hand, reload(Part, plugs.id).stock_on_hand) == (4, 4)
    out = ledger(plugs.id)[-1]
    assert (out.kind, out.quantity, out.order_line_id, out.user_id) == (
        "out", -4, order.lines[1].id, advisor.id)
    assert out.reason == f"配件订单 {order.number}"

    edit = auth.post(f"/admin/parts_order/edit/?id={order.id}",
                     {"customer": customer.id, "version": order.version,
                      "lines-0-id": order.lines[0].id, "lines-0-part": filt.id,
                      "lines-0-quantity": 9})
    assert "此订单的配件已出库，不能再修改" in edit.get_data(as_text=True)

    auth.post(f"/admin/parts_order/acceptance/?id={order.id}",
              {"result": "accepted", "day": TODAY.isoformat()})
    order = reload(PartsOrder, order.id)
    assert (order.state, order.accepted_on) == ("accepted", TODAY)
    for part in (filt, plugs):
        assert_ledger_adds_up(part.id)


def test_parts_short_wait_for_their_delivery(client, auth, advisor):
    part = make_part(stock=1, name="前刹车片")
    order = make_parts_order([(part, 2)], handled_by=advisor)
    no_date = auth.post(f"/admin/parts_order/check/?id={order.id}")
    assert "部分配件缺货，请填写预计到货日期" in client.get(
        no_date.headers["Location"]).get_data(as_text=True)
    assert reload(PartsOrder, order.id).state == "open"
    checked = auth.post(f"/admin/parts_order/check/?id={order.id}",
                        {"expected_on": (TODAY + timedelta(days=2)).isoformat()})
    assert "缺货：前刹车片 × 1" in client.get(checked.headers["Location"]).get_data(as_text=True)
    order = reload(PartsOrder, order.id)
    assert (order.state, order.expected_on) == ("awaiting_stock", TODAY + timedelta(days=2))
    refused = auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
                        {"delivery": "handover", "day": TODAY.isoformat(), "by": advisor.id})
    assert "请先查询库存" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert reload(Part, part.id).stock_on_hand == 1

    parts.receive(reload(Part, part.id), 5, "到货", advisor)
    db.session.commit()
    auth.post(f"/admin/parts_order/check/?id={order.id}")
    assert reload(PartsOrder, order.id).state == "ready"
    parts.issue(reload(Part, part.id), 5, "被别的订单领走", advisor)  # between check and hand-over
    db.session.commit()
    late = auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
                     {"delivery": "handover", "day": TODAY.isoformat(), "by": advisor.id})
    assert "库存不足：现有 1，需要 2" in client.get(late.headers["Location"]).get_data(
        as_text=True)
    assert reload(PartsOrder, order.id).state == "ready"
    assert_ledger_adds_up(part.id)


def test_shipping_needs_the_tracking_number(client, auth, advisor):
    order = make_parts_order([(make_part(stock=3), 1)], state="ready")
    refused = auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
                        {"delivery": "shipped", "day": TODAY.isoformat(), "by": advisor.id})
    assert "发货需要填写快递公司和运单号" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    tomorrow = auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
                         {"delivery": "shipped", "tracking": "顺丰 SF1", "by": advisor.id,
                          "day": (TODAY + timedelta(days=1)).isoformat()})
    assert "不晚于今天" in client.get(tomorrow.headers["Location"]).get_data(as_text=True)
    auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
              {"delivery": "shipped", "tracking": "顺丰 SF1402375598", "by": advisor.id,
               "day": TODAY.isoformat()})
    order = reload(PartsOrder, order.id)
    assert (order.state, order.tracking) == ("handed_over", "顺丰 SF1402375598")


def test_impossible_dates_are_refused(client, auth, advisor):
    """Parts expected on a day already past, or handed over before the order was placed?"""
    part = make_part(stock=1, name="前刹车片")
    order = make_parts_order([(part, 2)], ordered_on=TODAY - timedelta(days=2))
    past = auth.post(f"/admin/parts_order/check/?id={order.id}",
                     {"expected_on": (TODAY - timedelta(days=1)).isoformat()})
    assert "预计到货日期 2026-11-26 已经过去" in client.get(past.headers["Location"]).get_data(
        as_text=True)
    assert reload(PartsOrder, order.id).state == "open"
    assert auth.post(f"/admin/parts_order/check/?id={order.id}",
                     {"expected_on": TODAY.isoformat()}).status_code == 302
    assert reload(PartsOrder, order.id).expected_on == TODAY

    ready = make_parts_order([(part, 1)], ordered_on=TODAY - timedelta(days=2), state="ready")
    early = auth.post(f"/admin/parts_order/hand_over/?id={ready.id}", {
        "delivery": "handover", "day": (TODAY - timedelta(days=3)).isoformat(),
        "by": advisor.id})
    assert "配件不能早于下单日期（2026-11-25）出库" in client.get(
        early.headers["Location"]).get_data(as_text=True)
    assert reload(PartsOrder, ready.id).state == "ready"
    assert reload(Part, part.id).stock_on_hand == 1
    auth.post(f"/admin/parts_order/hand_over/?id={ready.id}", {
        "delivery": "handover", "day": (TODAY - timedelta(days=2)).isoformat(),
        "by": advisor.id})
    assert reload(PartsOrder, ready.id).state == "handed_over"


def test_a_rejection_for_quality_opens_a_complaint(client, auth, advisor):
    agent = make_user("followup_agent", "agent", display_name="李丽")
    customer = make_vehicle(owner=make_customer(name="王先生", agent=agent)).owner
    pads = make_part(stock=2, name="前刹车片")
    order = make_parts_order([(pads, 1)], customer=customer, state="ready")
    auth.post(f"/admin/parts_order/hand_over/?id={order.id}",
              {"delivery": "handover", "day": TODAY.isoformat(), "by": advisor.id})
    nothing = auth.post(f"/admin/parts_order/acceptance/?id={order.id}",
                        {"result": "rejected", "day": TODAY.isoformat(), "problem": ""})
    assert "请描述质量问题" in client.get(nothing.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    response = auth.post(f"/admin/parts_order/acceptance/?id={order.id}",
                         {"result": "rejected", "day": TODAY.isoformat(),
                          "problem": "刹车片表面有裂纹"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    order = reload(PartsOrder, order.id)
    complaint = order.complaint
    assert (order.state, order.quality_problem) == ("rejected", "刹车片表面有裂纹")
    assert (complaint.kind, complaint.customer_id, complaint.owner_id) == (
        "complaint", customer.id, agent.id)
    assert complaint.details == "刹车片表面有裂纹"
    assert complaint.summary == f"配件验收不合格（订单 {order.number}）：前刹车片"
    assert (complaint.opened_on, complaint.due_on) == (TODAY, TODAY + timedelta(days=3))
    assert f"已为 李丽 登记投诉“{complaint.summary}”" in page
    assert reload(Part, pads.id).stock_on_hand == 1  # the rejected part is not put back
    auth.logout()
    auth.login("agent")
    listed = client.get("/admin/complaint/").get_data(as_text=True)
    assert "配件验收不合格" in listed


def test_an_order_needs_parts_once_each(auth, advisor):
    customer = make_vehicle().owner
    part = make_part(stock=3)
    empty = new_order(auth, customer, [])
    assert "请添加客户需要的配件" in empty.get_data(as_text=True)
    twice = new_order(auth, customer, [(part, 1), (part, 2)])
    assert "在订单中出现了两次" in twice.get_data(as_text=True)
    zero = new_order(auth, customer, [(part, 0)])
    assert "数量至少为 1。" in zero.get_data(as_text=True)  # as a stock movement says it
    assert db.session.scalar(select(func.count()).select_from(PartsOrder)) == 0


def test_an_order_is_for_one_of_the_customers_own_cars(auth, advisor):
    """Is a car of another customer refused, naming its owner?"""
    customer = make_vehicle(owner=make_customer(name="王先生")).owner
    other = make_vehicle(owner=make_customer(name="李女士"), plate_number="粤B24680")
    part = make_part(stock=3)
    refused = new_order(auth, customer, [(part, 1)], vehicle=other.id)
    assert "粤B24680 的车主是 李女士，不是 王先生" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PartsOrder)) == 0
    assert new_order(auth, customer, [(part, 1)]).status_code == 302


def test_the_order_form_pickers_say_what_they_search(client, advisor):
    """Do the customer, car and part boxes say what to type (not "请选择模型")?"""
    form = client.get("/admin/parts_order/new/").get_data(as_text=True)
    assert 'data-placeholder="输入姓名、手机号或车牌号搜索"' in form
    assert 'data-placeholder="输入车牌号、车辆识别代号末几位或车主姓名搜索"' in form
    assert "输入配件编号或名称搜索" in form  # in the new line's template (escaped)
    assert "请选择模型" not in form


def test_changing_the_parts_of_a_checked_order_checks_the_stock_again(auth, advisor):
    part = make_part(stock=5)
    order = make_parts_order([(part, 1)], state="ready")
    line = order.lines[0]

    def edit(quantity, notes):
        current = reload(PartsOrder, order.id)
        return auth.post(f"/admin/parts_order/edit/?id={order.id}", {
            "customer": current.customer_id, "vehicle": current.vehicle_id, "notes": notes,
            "version": current.version, "lines-0-id": line.id, "lines-0-part": part.id,
            "lines-0-quantity": quantity})

    assert edit(1, "客户下午来取").status_code == 302
    assert reload(PartsOrder, order.id).state == "ready"  # the same parts: still ready
    assert edit(3, "客户下午来取").status_code == 302
    order = reload(PartsOrder, order.id)
    assert (order.state, order.lines[0].quantity) == ("open", 3)


def test_an_order_can_be_cancelled_before_its_parts_go_out(client, auth, advisor):
    order = make_parts_order([(make_part(stock=3), 1)])
    auth.post(f"/admin/parts_order/cancel/?id={order.id}", {"reason": "客户不需要了"})
    order = reload(PartsOrder, order.id)
    assert (order.state, order.cancel_reason) == ("cancelled", "客户不需要了")


# -- the reception's parts step -----------------------------------------------------------------

def test_the_reception_orders_parts_and_looks_up_the_same_stock(client, auth, advisor):
    reception = make_reception(complete=False, advisor=advisor)
    pads = make_part(stock=1, number="5Q0698151B", name="前刹车片")
    make_part(stock=0, number="5Q0698451M", name="后刹车片")
    form = client.get(f"/admin/parts_order/new/?reception={reception.id}").get_data(
        as_text=True)
    assert f'name="customer" type="hidden" value="{reception.customer_id}"' in form
    assert f'name="reception_ref" type="hidden" value="{reception.id}"' in form
    response = new_order(auth, reception.customer, [(pads, 2)],
                         reception_ref=str(reception.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    order = db.session.scalar(select(PartsOrder))
    assert order.reception_id == reception.id

    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    step = page.split('id="step-parts"')[1].split("</section>")[0]
    assert "前刹车片" in step
    assert "现有 1，缺 1" in step
    assert 'checked id="parts_in_stock-1"' in step  # "to order": answered from the stock
    assert "5Q0698151B 前刹车片 × 1" in step  # what is short, in the note
    looked_up = client.get("/admin/reception/checklist/",
                           query_string={"id": reception.id, "part": "5Q0698"})
    found = looked_up.get_data(as_text=True).split('id="found-parts"')[1].split("</ul>")[0]
    assert "5Q0698151B" in found
    assert "库存 1" in found
    assert "5Q0698451M" in found
    assert "无库存" in found


def test_the_followup_agent_sees_the_reception_without_the_stock(client, auth, freeze):
    freeze(NOW)
    reception = make_reception(complete=False)
    auth.login_as("followup_agent")
    page = client.get(f"/admin/reception/checklist/?id={reception.id}").get_data(as_text=True)
    assert 'id="parts-stock"' not in page


# -- the home page ------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "listed"), [
    ("service_advisor", True), ("supervisor", True), ("admin", True),
    ("manager", False), ("followup_agent", False),
])
def test_parts_to_reorder_are_on_the_home_page_of_who_handles_them(client, auth, freeze,
                                                                   role, listed):
    freeze(NOW)
    make_part(stock=2, number="04465-02220", name="前刹车片", reorder_level=4)
    make_part(stock=8, number="06L115562B", name="机油滤清器", reorder_level=4)
    auth.login_as(role)
    html = client.get("/admin/").get_data(as_text=True)
    assert ("需补货 04465-02220 前刹车片：库存 2，安全库存 4" in html) == listed
    assert "06L115562B" not in html


def test_an_advisor_sees_their_own_orders_the_supervisor_all(client, auth, freeze):
    freeze(NOW)
    mine = make_user("service_advisor", "advisor")
    other = make_user("service_advisor", "advisor2")
    make_parts_order([(make_part(stock=3), 1)], handled_by=mine)
    make_parts_order([(make_part(stock=3), 1)], handled_by=other)
    auth.login("advisor")
    panel = client.get("/admin/").get_data(as_text=True).split('data-area="parts"')[1]
    assert ">1</span>" in panel.split("配件订单：待查询库存")[1].split("</li>")[0]
    auth.logout()
    auth.login_as("supervisor")
    panel = client.get("/admin/").get_data(as_text=True).split('data-area="parts"')[1]
    assert ">2</span>" in panel.split("配件订单：待查询库存")[1].split("</li>")[0]


def test_the_demo_catalogue_adds_up(app, runner, freeze):
    freeze(NOW)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for part_id in db.session.scalars(select(Part.id)):
        assert_ledger_adds_up(part_id)
    states = set(db.session.scalars(select(PartsOrder.state)))
    assert {"open", "awaiting_stock", "ready", "handed_over", "accepted", "rejected"} <= states
    assert db.session.scalar(select(func.count()).select_from(Part).where(
        parts.below_reorder_level())) >= 3
    assert isinstance(db.session.scalar(select(PartsOrder.ordered_on)), date)


@pytest.mark.parametrize(("price", "message"), [
    ("NaN", "请输入数字"), ("Infinity", "请输入数字"), ("1e309", "数值过大"),
    ("68.005", "最多保留 2 位小数"), ("123456789", "数值过大"), ("-5", "不能为负数"),
])
def test_a_price_the_catalogue_cannot_keep_is_refused(client, auth, advisor, price, message):
    response = auth.post("/admin/part/new/", {
        "number": "06L115562B", "name": "机油滤清器", "origin": "original", "unit": "piece",
        "price": price, "reorder_level": "0"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Part)) == 0


def test_a_price_in_full_width_digits_is_understood(client, auth, advisor):
    response = auth.post("/admin/part/new/", {
        "number": "06L115562B", "name": "机油滤清器", "origin": "original", "unit": "piece",
        "price": "６８．５", "reorder_level": "0"})
    assert response.status_code == 302
    assert str(db.session.scalar(select(Part)).price) == "68.50"
