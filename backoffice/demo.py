"""Realistic Chinese demo data, made from a fixed seed and dated relative to today.

Demo data, not secrets: `random` with a seed is what makes it repeatable.
"""
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import appointments, clock, files, followups, parts, rules, safety, settings
from .auth import create_user, find_user
from .extensions import db
from .models import (
    RECEPTION_STEPS,
    Accident,
    Appointment,
    Complaint,
    CorrectiveAction,
    Customer,
    Drill,
    EmergencyPlan,
    Equipment,
    Event,
    ExtraWork,
    FollowUpCall,
    Handover,
    InspectionTemplate,
    Invitation,
    Letter,
    LetterTemplate,
    Part,
    PartsOrder,
    PartsOrderLine,
    Reception,
    SafetyInspection,
    SafetyRecord,
    User,
    Vehicle,
    Visit,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢傅钟"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华鹏辉宇浩然子轩欣怡梓涵晨阳嘉怡俊杰思远雨彤"
COMPANIES = (
    "深圳市鹏达物流有限公司", "深圳市华南建材有限公司", "深圳市安顺出租汽车有限公司",
    "深圳市科技园物业管理有限公司", "深圳市南山区第二实验学校", "深圳市蓝海餐饮管理有限公司",
    "深圳市智联电子科技有限公司", "深圳市宏远建筑工程有限公司",
)
DISTRICTS = ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区", "龙华区", "光明区", "盐田区")
ROADS = ("深南大道", "科技园路", "滨海大道", "北环大道", "宝安大道", "龙岗大道", "梅林路", "莲花路")
WISHES = (
    "保养到期前短信提醒", "上门取送车", "预约时优先安排", "免费检测活动通知",
    "新能源电池检测", "车险续保提醒", "", "", "",
)
# brand, models, kind, VIN world maker code, new energy
MODELS = (
    ("大众", ("朗逸", "速腾", "帕萨特"), "sedan", "LSV", False),
    ("大众", ("途观L", "探岳"), "suv", "LFV", False),
    ("丰田", ("卡罗拉", "凯美瑞"), "sedan", "LVG", False),
    ("丰田", ("RAV4荣放", "汉兰达"), "suv", "LVG", False),
    ("本田", ("雅阁", "思域"), "sedan", "LHG", False),
    ("本田", ("CR-V", "奥德赛"), "suv", "LHG", False),
    ("别克", ("GL8",), "mpv", "LSG", False),
    ("比亚迪", ("秦PLUS", "汉EV"), "sedan", "LGX", True),
    ("比亚迪", ("宋PLUS", "元PLUS"), "suv", "LGX", True),
    ("特斯拉", ("Model 3", "Model Y"), "sedan", "LRW", True),
    ("五菱", ("宏光MINIEV",), "hatchback", "LZW", True),
    ("福特", ("全顺",), "van", "LJX", False),
)
COLOURS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色", "珍珠白", "深灰色")
ITEMS = {
    "maintenance": ("更换机油、机油滤清器", "更换空气滤清器、空调滤清器", "检查刹车片、轮胎气压",
                    "更换火花塞", "四轮定位", "更换刹车油"),
    "repair": ("更换前刹车片", "更换蓄电池", "维修空调不制冷", "更换雨刮片", "维修车窗升降器",
               "更换减震器"),
    "warranty": ("质保更换水泵", "质保维修中控屏", "质保更换车门密封条"),
    "consultation": ("咨询保养套餐", "咨询延保服务", "咨询新能源充电桩安装"),
    "accident": ("前保险杠钣金喷漆", "更换左前大灯", "后门钣金修复"),
}
KIND_WEIGHTS = {"maintenance": 55, "repair": 25, "warranty": 8, "consultation": 7, "accident": 5}
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random, taken: set) -> str:
    while True:
        mobile = "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))
        if mobile not in taken:
            taken.add(mobile)
            return mobile


def _plate(rng: random.Random, new_energy: bool, taken: set) -> str:
    while True:
        if new_energy:
            tail = rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
        else:
            tail = "".join(rng.choice("0123456789") for _ in range(4))
            position = rng.randrange(5)
            tail = tail[:position] + rng.choice(PLATE_CHARS + "0123456789") + tail[position:]
        plate = "粤B" + tail
        if plate not in taken:
            taken.add(plate)
            return rules.normalize_plate(plate)


def _vin(rng: random.Random, maker: str) -> str:
    alphabet = rules.VIN_CHARACTERS
    body = maker + "".join(rng.choice(alphabet) for _ in range(5)) + "0"
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    body += rng.choice("NPRS") + rng.choice(alphabet) + serial
    return body[:8] + rules.vin_check_digit(body) + body[9:]


DEMO_USERS = [
    # username, display name, role
    ("supervisor", "王主管", "supervisor"),
    ("agent1", "李丽", "followup_agent"),
    ("agent2", "赵敏", "followup_agent"),
    ("advisor1", "陈刚", "service_advisor"),
    ("advisor2", "刘洋", "service_advisor"),
    ("safety", "孙安全", "safety_officer"),
    ("trainer", "周培训", "trainer"),
    ("manager", "张站长", "manager"),
]


def seed_users(password: str) -> list[tuple[str, str]]:
    """One demo account per role but admin; returns the (username, password) created."""
    created = []
    for username, display_name, role in DEMO_USERS:
        if find_user(username) is None:
            create_user(username, role, password, display_name)
            created.append((username, password))
    db.session.flush()
    return created


def _users(role: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == role).order_by(User.id)))


def seed_archives(customers: int = 300, seed: int = 20261127) -> int:
    """Customers with vehicles and a history of visits; nothing if some exist already."""
    exists = select(func.count()).select_from(Customer).execution_options(include_deleted=True)
    if db.session.scalar(exists):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    agents, advisors = _users("followup_agent"), _users("service_advisor")
    now = clock.now().replace(second=0, microsecond=0)
    mobiles, plates = set(), set()
    for number in range(customers):
        company = number % 6 == 5
        customer = Customer(
            name=COMPANIES[number // 6 % len(COMPANIES)] if company else _name(rng),
            kind="company" if company else "person",
            mobile=_mobile(rng, mobiles),
            address=(
                f"广东省深圳市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
            ),
            preferred_channel=rng.choices(("phone", "wechat", "sms", "email", "post"),
                                          (40, 35, 15, 7, 3))[0],
            contact_consent=rng.random() < 0.92,
            wished_services=rng.choice(WISHES) or None,
            agent=agents[number % len(agents)] if agents else None,
        )
        db.session.add(customer)
        for _ in range(2 if rng.random() < 0.15 else 1):
            _demo_vehicle(rng, customer, plates, advisors, now)
    db.session.flush()
    return customers


def _demo_vehicle(rng, customer, plates, advisors, now) -> None:
    brand, models, kind, maker, new_energy = rng.choice(MODELS)
    bought = (now - timedelta(days=rng.randint(200, 3000))).date()
    vehicle = Vehicle(
        owner=customer, plate_number=_plate(rng, new_energy, plates), vin=_vin(rng, maker),
        brand=brand, vehicle_model=rng.choice(models), vehicle_kind=kind,
        colour=rng.choice(COLOURS), purchase_date=bought,
        registration_date=bought + timedelta(days=rng.randint(1, 10)),
        warranty_end_date=rules.add_months(bought, 36), warranty_end_km=100000,
    )
    db.session.add(vehicle)
    mileage = rng.randint(500, 3000)
    count = rng.choice((1, 2, 2, 3, 3, 4, 5))
    # Visits spread over the last two years, the newest within the last days for some.
    days_ago = sorted((rng.randint(0, 720) for _ in range(count)), reverse=True)
    for ago in days_ago:
        visited = now - timedelta(days=ago, hours=rng.randint(0, 8))
        visited = min(visited.replace(hour=rng.randint(8, 17)), now - timedelta(hours=1))
        mileage += rng.randint(1500, 9000)
        kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        months, km = rng.choice(((6, 5000), (6, 5000), (12, 10000)))
        visit = Visit(
            vehicle=vehicle, customer=customer, kind=kind, visited_at=visited, mileage=mileage,
            service_items="；".join(rng.sample(ITEMS[kind], k=min(2, len(ITEMS[kind])))),
            advisor=rng.choice(advisors) if advisors else None,
            completed_at=visited + timedelta(hours=rng.randint(1, 6)),
            maintenance_interval_months=months if kind == "maintenance" else None,
            maintenance_interval_km=km if kind == "maintenance" else None,
        )
        if kind == "maintenance":
            visit.next_maintenance_date, visit.next_maintenance_km = rules.next_maintenance_due(
                visited.date(), mileage, months, km
            )
        # Older archives were built on time, mostly; the last days' are still open or overdue.
        if ago > 6 or rng.random() < 0.4:
            delay = rng.choices((0, 1, 2, 4), (50, 30, 12, 8))[0]
            if ago >= delay:
                visit.archived_at = visited + timedelta(days=delay, hours=1)
                visit.archived_by = customer.agent
        db.session.add(visit)
        visit.record_on_vehicle()


# -- follow-up service -----------------------------------------------------------------------

KEY_POINTS = (
    "车辆使用正常，对保养服务满意", "反映等待时间稍长，已致歉并说明原因",
    "询问下次保养时间，已告知", "客户近期出差，车辆使用较少",
    "建议客户冬季检查防冻液和轮胎", "介绍了新推出的上门取送车服务",
)
COMPLAINTS = (
    "保养后发动机有异响", "洗车不干净，内饰有污渍", "结算金额与报价不符",
    "等待时间过长，无人告知进度",
)
REQUESTS = (
    "希望提供代步车", "询问延保价格", "要求核对上次结算金额", "希望周末也能预约保养",
    "反映空调异味未完全解决", "希望加装行车记录仪",
)
CAUSES = ("施工人员未按标准清洗空调管路", "结算时漏减优惠券金额", "预约排期过满导致等待")
SOLUTIONS = ("免费重新清洗并赠送空调滤芯", "已退还差额并致歉", "增加周末排班，优先安排")


def seed_followups(seed: int = 20261128) -> int:
    """A month of calls, letters, complaints in every state, and an event; nothing if
    there are calls already."""

    if db.session.scalar(select(func.count()).select_from(FollowUpCall)):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    today = clock.today()
    now = clock.now()
    db.session.add_all([
        LetterTemplate(name="保养提醒", kind="notice", subject="{客户名称}，您的爱车该保养了",
                       body="尊敬的{客户名称}：\n您的爱车（{车牌号}）即将到达保养周期，"
                            "欢迎致电预约，我们将竭诚为您服务。"),
        LetterTemplate(name="活动邀请函", kind="invitation", subject="诚邀参加冬季免费检测周",
                       body="尊敬的{客户名称}：\n本店将于下月举办冬季免费检测周，"
                            "届时免费检测蓄电池、轮胎、防冻液等项目，期待您的光临。"),
    ])
    visits = db.session.scalars(
        select(Visit).where(Visit.completed_at >= now - timedelta(days=40))
        .order_by(Visit.completed_at)
    ).all()
    for visit in visits:
        call = followups.plan_first_call(visit)
        if call is not None:
            _play_chain(rng, call, today, followups)
    db.session.flush()

    customers = db.session.scalars(select(Customer).order_by(Customer.id)).all()
    agents = _users("followup_agent")
    for n in range(20):  # incoming inquiries and complaints over the month
        customer = rng.choice(customers)
        kind = "complaint" if n % 4 == 0 else "inquiry"
        call = FollowUpCall(
            customer=customer, kind=kind, direction="in", status="made", reached="yes",
            called_at=now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 6)),
            agent=customer.agent or (agents[0] if agents else None),
            topics=["questions"], key_points=rng.choice(KEY_POINTS),
            requests=rng.choice(REQUESTS), answered=kind == "inquiry" and n % 3 != 0,
            answer="已当场解答" if n % 3 else None,
        )
        db.session.add(call)
        followups.after_call(call)
    db.session.flush()
    _advance_items(rng, now)

    event = Event(name="冬季免费检测周", kind="free_inspection",
                  event_on=today + timedelta(days=20), place="本店售后服务大厅",
                  content="免费检测蓄电池、轮胎、防冻液、灯光等 20 项，凭邀请函赠送洗车一次。",
                  send_letters=True)
    db.session.add(event)
    for customer in rng.sample(customers, k=min(40, len(customers))):
        invitation = Invitation(event=event, customer=customer)
        db.session.add(invitation)
        notice = followups.plan_notice_call(invitation, today - timedelta(days=3))
        if rng.random() < 0.4:
            _make(rng, notice, now - timedelta(days=rng.randint(0, 2)), reached="yes")
            for letter in followups.after_call(notice):
                if isinstance(letter, Letter) and rng.random() < 0.5:
                    letter.sent_on = today
    for n in range(8):  # maintenance notices and replies sent this month
        customer = rng.choice(customers)
        db.session.add(Letter(
            customer=customer, kind="notice" if n % 2 else "reply",
            subject="保养提醒" if n % 2 else "关于您反映问题的答复", channel="post",
            body="尊敬的客户，感谢您对本店的支持。",
            sent_on=today - timedelta(days=rng.randint(1, 28)),
            sender=customer.agent,
        ))
    db.session.flush()
    return len(visits)


def _make(rng, call, when, reached: str) -> None:
    call.called_at = when
    call.reached = reached
    call.status = "made"
    if reached == "yes":
        call.topics = rng.sample(
            ["car_and_service", "new_needs", "car_care", "new_services", "events"], k=2
        )
        call.key_points = rng.choice(KEY_POINTS)
        call.satisfaction = rng.choices(("satisfied", "neutral", "dissatisfied"), (85, 11, 4))[0]
        if call.satisfaction == "dissatisfied":
            call.key_points = call.requests = rng.choice(COMPLAINTS)
            call.answered = True
        elif rng.random() < 0.12:
            call.requests = rng.choice(REQUESTS)
            call.answered = False
            call.follow_up_item = call.requests
        else:
            call.answered = True


def _play_chain(rng, call, today, followups) -> None:
    """Make the calls of a chain whose time has come, as an agent would have."""
    while call is not None and call.due_from <= today and rng.random() < 0.85:
        latest = min(today, call.due_by + timedelta(days=2))
        spread = max(0, (latest - call.due_from).days)
        day = call.due_from + timedelta(days=rng.randint(0, spread))
        when = clock.aware(datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59))))
        if when > clock.now():
            return
        _make(rng, call, when, "yes" if rng.random() < 0.8 else "no_answer")
        follow = [c for c in followups.after_call(call) if isinstance(c, type(call))]
        db.session.flush()
        call = follow[0] if follow else None


def _advance_items(rng, now) -> None:
    """Take the complaints and requests opened so far through every stage."""
    items = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    for n, item in enumerate(items):
        step = n % 5
        opened = clock.aware(datetime.combine(item.opened_on, time(10)))
        if item.kind == "complaint":
            item.severity = rng.choice(("high", "medium", "medium", "low"))
            if step >= 1:
                item.cause, item.analysed_at = rng.choice(CAUSES), opened + timedelta(hours=5)
            if step >= 2:
                item.resolution = rng.choice(SOLUTIONS)
                item.resolved_at = opened + timedelta(days=1)
            if step >= 3:
                item.tracking, item.tracked_at = "回访确认问题已解决", opened + timedelta(days=2)
            if step >= 4:
                item.feedback = "已向客户反馈处理结果"
                item.satisfaction = rng.choice(("satisfied", "satisfied", "neutral"))
                item.closed_at = opened + timedelta(days=3)
        elif step >= 2:  # requests: solved and answered (one late), or still open
            item.resolution = rng.choice(SOLUTIONS)
            item.resolved_at = min(opened + timedelta(days=1), now)
            if step >= 3:
                item.answered_at = item.resolved_at + timedelta(days=0 if step == 3 else 1)
                item.answered_at = min(item.answered_at, now)
            if step == 4 and item.answered_at:
                item.closed_at = item.answered_at


# -- reception and handover ------------------------------------------------------------------

def _demo_signature() -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(20, 70), (80, 20), (140, 75), (200, 25), (270, 60)],
                               fill="black", width=3)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_checklists(seed: int = 20261129) -> int:
    """Today's receptions in every state: in progress, in the workshop (with extra work
    waiting for consent), past the quality check, handed over."""
    from .views.checklists import HANDOVER_STEPS, start_reception

    if db.session.scalar(select(func.count()).select_from(Reception)):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    advisors = _users("service_advisor")
    vehicles = db.session.scalars(select(Vehicle).order_by(Vehicle.id).limit(40)).all()
    if not advisors or len(vehicles) < 4:
        return 0
    now = clock.now()
    signature = files.store(_demo_signature(), "signature")
    db.session.flush()
    for n, vehicle in enumerate(rng.sample(vehicles, 4)):
        reception = start_reception(vehicle, advisors[n % len(advisors)], "repair")
        reception.started_at = reception.visit.visited_at = now - timedelta(hours=4 - n)
        steps = RECEPTION_STEPS if n else RECEPTION_STEPS[:4]
        reception.steps_done = {step: now.isoformat() for step in steps}
        reception.seat_cover = reception.wheel_cover = reception.floor_mat = True
        reception.mileage = reception.visit.mileage = (vehicle.current_mileage or 0) + 1200
        reception.fuel_eighths = rng.randint(1, 8)
        reception.belongings = {"spare_tyre": True, "tools": True, "warning_triangle": True}
        reception.damages = [{"area": "rear", "kind": "scratch", "note": "后保险杠轻微划痕"}]
        if n:
            reception.described_faults = rng.choice(
                ("刹车时有异响", "空调不制冷", "发动机故障灯亮", "行驶中方向跑偏"))
            reception.requests = "检查并维修，顺便做常规保养"
            reception.fault_confirmation = "试车确认客户所述故障"
            reception.warranty_decision, reception.warranty_reason = "no", "非质量问题"
            reception.vehicle_licence = reception.maintenance_book = True
            reception.parts_in_stock = True
            reception.estimate_amount = Decimal(rng.choice(("380.00", "680.00", "1260.00")))
            reception.promised_at = now.replace(hour=17, minute=30, second=0, microsecond=0)
            reception.signature_id, reception.signed_at = signature.id, reception.started_at
            reception.signed_by_name = vehicle.owner.name
        if n == 1:
            db.session.add(ExtraWork(reception=reception, item="更换空调滤芯",
                                     reason="滤芯已严重堵塞", extra_cost=Decimal("120")))
        if n >= 2:
            handover = Handover(reception=reception, steps_done={}, belongings_found={},
                                quality_passed=True, quality_checked_by="质检员老张",
                                quality_checked_at=now - timedelta(hours=1))
            handover.steps_done = {"quality": now.isoformat()}
            db.session.add(handover)
            if n == 3:
                handover.steps_done = {step: now.isoformat() for step in HANDOVER_STEPS}
                handover.cleaned = handover.covers_removed = handover.work_explained = True
                handover.belongings_found = dict(reception.belongings)
                handover.old_parts, handover.payment_method = "returned", "wechat"
                handover.settlement_amount = reception.estimate_amount
                handover.work_kind = "minor"
                handover.mileage_out = reception.mileage
                handover.guarantee_until, handover.guarantee_km = rules.quality_guarantee(
                    "minor", now.date(), reception.mileage)
                handover.signature_id, handover.signed_by_name = signature.id, vehicle.owner.name
                handover.completed_at = reception.visit.completed_at = now - timedelta(minutes=20)
                reception.visit.record_on_vehicle()
                followups.plan_first_call(reception.visit)
    db.session.flush()
    return 4


# -- safety ----------------------------------------------------------------------------------

def seed_safety(seed: int = 20261130) -> int:
    """Templates, equipment, three months of inspections, hazards in every state, a drill,
    an accident and the register; nothing if there are inspections already."""
    safety.ensure_default_templates()
    if db.session.scalar(select(func.count()).select_from(SafetyInspection)):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    officers = _users("safety_officer")
    officer = officers[0] if officers else None
    today = clock.today()
    for name, kind, area, interval, last in (
        ("1号举升机", "lift", "workshop", 90, 30), ("2号举升机", "lift", "workshop", 90, 95),
        ("空气压缩机", "compressor", "workshop", 30, 20), ("扒胎机", "tyre_changer", "workshop",
                                                         180, 60),
        ("烤漆房", "spray_booth", "paint_booth", 30, 40), ("新能源充电桩", "charger", "workshop",
                                                        90, 10),
        ("车间灭火器（12 具）", "extinguisher", "workshop", 30, 25),
    ):
        done = today - timedelta(days=last)
        db.session.add(Equipment(
            name=name, kind=kind, area=area, service_interval_days=interval,
            last_service_on=done, next_service_on=done + timedelta(days=interval),
            qualification="electrician" if kind == "charger" else None,
        ))
    db.session.add(Equipment(name="轮胎平衡机", kind="other", area="workshop", status="stopped",
                             stopped_reason="电机异响，待维修", service_interval_days=180,
                             last_service_on=today - timedelta(days=100),
                             next_service_on=today + timedelta(days=80)))
    templates = db.session.scalars(select(InspectionTemplate)).all()
    for days_ago in range(90, 0, -1):  # the weekly and monthly rounds of three months
        day = today - timedelta(days=days_ago)
        for template in templates:
            if template.schedule == "weekly" and day.weekday() != 0:
                continue
            if template.schedule == "monthly" and day.day != 1:
                continue
            if template.schedule == "daily" and rng.random() < 0.15:
                continue  # a few days missed
            for area in template.areas:
                inspection = safety.start_inspection(template, area, "routine", officer, day)
                db.session.flush()
                for answer in inspection.answers:
                    answer.result = "fail" if rng.random() < 0.02 else (
                        "na" if rng.random() < 0.05 else "pass")
                    if answer.result == "fail":
                        answer.note = "现场发现问题，已拍照"
                        db.session.flush()
                        hazard = safety.raise_hazard(
                            answer, "major" if rng.random() < 0.2 else "general", officer)
                        _advance_hazard(rng, hazard, officer, day, today)
                inspection.signed_at = clock.aware(datetime.combine(day, time(17)))
                inspection.signed_by = officer
    plan = EmergencyPlan(title="火灾事故应急预案", edition="2026 版")
    db.session.add(plan)
    db.session.add(Drill(plan=plan, scenario="喷漆房起火疏散演练",
                         held_on=today - timedelta(days=20), participants="车间全体员工 32 人",
                         duration_minutes=45,
                         findings="疏散用时 3 分 20 秒，两名新员工不熟悉集合点",
                         improvements="新员工入职培训增加疏散路线讲解"))
    accident = Accident(happened_at=clock.now() - timedelta(days=12), area="workshop",
                        place="2 号工位", people="机修工 刘某",
                        description="拆卸轮胎时扳手滑脱，划伤左手", injuries="左手轻微划伤，已包扎",
                        cause="扳手磨损，未按规定检查工具")
    db.session.add(accident)
    db.session.add_all([
        CorrectiveAction(accident=accident, action="更换磨损工具并建立工具点检制度",
                         deadline=today - timedelta(days=5), done_at=clock.now()),
        CorrectiveAction(accident=accident, action="全员工具安全使用再培训",
                         deadline=today + timedelta(days=10)),
        SafetyRecord(kind="violation", person="钣金工 张某", happened_on=today - timedelta(days=8),
                     what="在车间内吸烟", measure="批评教育，扣当月安全奖"),
        SafetyRecord(kind="commendation", person="电工 王某", happened_on=today - timedelta(days=3),
                     what="及时发现并排除充电桩线路隐患", measure="通报表扬，奖励 200 元"),
    ])
    db.session.flush()
    return len(templates)


def _advance_hazard(rng, hazard, officer, day, today) -> None:
    """Hazards of the past months are mostly closed; recent ones in every state."""
    age = (today - day).days
    if age > 25 or rng.random() < 0.4:
        done = clock.aware(datetime.combine(min(day + timedelta(days=2), today), time(15)))
        hazard.measures, hazard.rectified_at, hazard.rectified_by = "已整改", done, officer
        if age > 10 or rng.random() < 0.5:
            safety.verify(hazard, True, "复查合格", None, officer, done + timedelta(hours=2))


# -- parts supply ----------------------------------------------------------------------------

# number, name, brand, origin, unit, price, opening stock, reorder level, shelf
PARTS = (
    ("06L115562B", "机油滤清器", "大众", "original", "piece", "68.00", 40, 20, "A-01-02"),
    ("04152-YZZA6", "机油滤清器", "丰田", "original", "piece", "55.00", 25, 15, "A-01-03"),
    ("15400-RTA-003", "机油滤清器", "本田", "original", "piece", "58.00", 6, 15, "A-01-04"),
    ("W712/95", "机油滤清器（通用）", "曼牌", "compatible", "piece", "32.00", 30, 10, "A-01-05"),
    ("5Q0129620D", "空气滤清器", "大众", "original", "piece", "120.00", 18, 8, "A-02-01"),
    ("17801-21050", "空气滤清器", "丰田", "original", "piece", "98.00", 12, 8, "A-02-02"),
    ("5Q0819653", "空调滤清器", "大众", "original", "piece", "88.00", 3, 10, "A-02-03"),
    ("87139-YZZ08", "空调滤清器", "丰田", "original", "piece", "76.00", 14, 8, "A-02-04"),
    ("5Q0698151B", "前刹车片（套）", "大众", "original", "set", "460.00", 8, 4, "B-01-01"),
    ("04465-02220", "前刹车片（套）", "丰田", "original", "set", "420.00", 2, 4, "B-01-02"),
    ("0986AB1234", "前刹车片（套，通用）", "博世", "compatible", "set", "260.00", 10, 4,
     "B-01-03"),
    ("5Q0698451M", "后刹车片（套）", "大众", "original", "set", "380.00", 6, 3, "B-01-04"),
    ("101905601F", "火花塞", "大众", "original", "piece", "65.00", 48, 24, "B-02-01"),
    ("90919-01253", "火花塞", "丰田", "original", "piece", "72.00", 32, 16, "B-02-02"),
    ("000915105DE", "蓄电池 12V 60Ah", "瓦尔塔", "compatible", "piece", "680.00", 5, 3,
     "C-01-01"),
    ("G052195M4", "全合成机油 5W-30（4 升）", "大众", "original", "bottle", "398.00", 36, 12,
     "C-02-01"),
    ("08880-13705", "全合成机油 0W-20（4 升）", "丰田", "original", "bottle", "368.00", 9, 12,
     "C-02-02"),
    ("B000750M3", "刹车油 DOT4（1 升）", "大众", "original", "bottle", "78.00", 20, 6, "C-02-03"),
    ("G013A8JM1", "防冻液（1.5 升）", "大众", "original", "bottle", "95.00", 14, 6, "C-02-04"),
    ("3397118979", "雨刮片（对）", "博世", "compatible", "pair", "138.00", 0, 6, "C-03-01"),
    ("5QD413031", "前减震器", "大众", "original", "piece", "980.00", 2, 2, "D-01-01"),
    ("6R0941005", "左前大灯总成", "大众", "original", "piece", "2680.00", 1, 1, "D-01-02"),
)


def seed_parts(seed: int = 20261201) -> int:
    """The catalogue with its opening stock and a month of movements, and parts orders
    in every state (one rejected for quality, with its complaint); nothing if parts exist."""
    if db.session.scalar(select(func.count()).select_from(Part)
                         .execution_options(include_deleted=True)):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    advisors = _users("service_advisor")
    handler = advisors[0] if advisors else None
    catalogue = {}
    for number, name, brand, origin, unit, price, stock, level, shelf in PARTS:
        part = Part(number=number, name=name, brand=brand, origin=origin, unit=unit,
                    price=Decimal(price), reorder_level=level, location=shelf)
        db.session.add(part)
        if stock:
            parts.receive(part, stock, "期初库存", handler)
        catalogue[number] = part
    for number in rng.sample(sorted(catalogue), 6):
        parts.receive(catalogue[number], rng.randint(4, 12), "供应商到货（送货单 SH2026" +
                      f"{rng.randint(1000, 9999)}）", handler)
    parts.issue(catalogue["G052195M4"], 2, "车间保养领用", handler)
    parts.count(catalogue["101905601F"], catalogue["101905601F"].stock_on_hand - 2,
                "月度盘点，盘亏 2 只", handler, seen=catalogue["101905601F"].stock_on_hand)
    customers = db.session.scalars(
        select(Customer).join(Vehicle, Vehicle.customer_id == Customer.id)
        .order_by(Customer.id).limit(30)).all()
    if not customers or handler is None:
        return len(catalogue)
    today, now = clock.today(), clock.now()
    plans = (  # what happened to each order; its lines (part number, quantity)
        ("accepted", 9, (("06L115562B", 1), ("G052195M4", 1))),
        ("rejected", 7, (("0986AB1234", 1),)),
        ("handed_over", 2, (("5Q0129620D", 1), ("5Q0819653", 1))),
        ("ready", 1, (("101905601F", 4),)),
        ("awaiting_stock", 1, (("04465-02220", 3),)),
        ("open", 0, (("3397118979", 1),)),
    )
    for (state, days_ago, lines), customer in zip(plans, rng.sample(customers, len(plans)),
                                                  strict=False):
        ordered_on = today - timedelta(days=days_ago)
        order = PartsOrder(customer=customer, vehicle=customer.vehicles[0],
                           ordered_on=ordered_on, handled_by=handler, notes=None)
        for number, quantity in lines:
            order.lines.append(PartsOrderLine(part=catalogue[number], quantity=quantity,
                                              unit_price=catalogue[number].price))
        db.session.add(order)
        db.session.flush()
        if state == "open":
            continue
        parts.check_stock(order, handler, now - timedelta(days=days_ago),
                          today + timedelta(days=3) if state == "awaiting_stock" else None)
        if state in ("awaiting_stock", "ready"):
            continue
        parts.hand_over(order, "handover" if state != "handed_over" else "shipped",
                        ordered_on, handler, "顺丰 SF1402375598" if state == "handed_over"
                        else None, handler)
        if state == "accepted":
            parts.accept(order, ordered_on + timedelta(days=1))
        elif state == "rejected":
            parts.reject(order, ordered_on + timedelta(days=2),
                         "刹车片表面有裂纹，摩擦材料与背板有分离")
    db.session.flush()
    return len(catalogue)


# -- appointments ----------------------------------------------------------------------------

DESCRIPTIONS = {
    "maintenance": ("常规保养，顺便检查轮胎", "保养到期，做小保养", "两万公里保养，更换空调滤芯"),
    "repair": ("刹车时有异响", "空调制冷效果差", "仪表盘发动机故障灯亮", "方向盘抖动"),
    "warranty": ("车窗升降有异响，在质保期内",),
    "accident": ("前保险杠刮擦，需要钣金喷漆",),
    "consultation": ("咨询延保服务和保养套餐",),
}


def seed_appointments(seed: int = 20261202) -> int:
    """Yesterday's no-show, today's schedule (one customer already received), tomorrow's
    appointments to confirm and prepare (one with parts short), the days after; nothing
    if appointments exist."""
    from .views.checklists import start_reception

    if db.session.scalar(select(func.count()).select_from(Appointment)
                         .execution_options(include_deleted=True)):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    advisors = _users("service_advisor")
    busy = {a.vehicle_id for a in db.session.scalars(select(Reception))}
    vehicles = [v for v in db.session.scalars(
        select(Vehicle).options(selectinload(Vehicle.owner)).order_by(Vehicle.id).limit(120))
        if v.id not in busy]
    if not advisors or len(vehicles) < 30:
        return 0
    current = settings.current()
    slots = rules.day_slots(current)
    length = timedelta(minutes=rules.setting(current, "slot_minutes"))
    today, now = clock.today(), clock.now()
    cars = iter(rng.sample(vehicles, 30))
    made = []

    def book(day, slot, advisor, status, channel="phone"):
        kind = rng.choices(list(DESCRIPTIONS), (45, 35, 8, 6, 6))[0]
        vehicle = next(cars)
        starts_at = clock.aware(datetime.combine(day, slot))
        appointment = Appointment(
            vehicle=vehicle, customer=vehicle.owner, advisor=advisor, kind=kind,
            description=rng.choice(DESCRIPTIONS[kind]), starts_at=starts_at,
            ends_at=starts_at + length, channel=channel, status=status, booked_by=advisor,
            created_at=now - timedelta(days=rng.randint(2, 6)),
        )
        if status == "confirmed":
            appointment.confirmed_at, appointment.confirmed_by = now - timedelta(days=1), advisor
            appointment.confirmation_attempts = 1
        db.session.add(appointment)
        made.append(appointment)
        return appointment

    for n, advisor in enumerate(advisors[:2]):
        yesterday = today - timedelta(days=1)
        missed = book(yesterday, slots[2 + n], advisor, "confirmed")
        if n == 0:
            db.session.flush()
            appointments.mark_no_show(missed, min(now, missed.ends_at + timedelta(hours=1)))
        else:
            missed.status, missed.cancel_reason = "cancelled", "客户临时出差，改期再约"
            missed.cancelled_at = now - timedelta(days=2)
        for index in (1, 4, 7, 12):  # today
            if index < len(slots):
                book(today, slots[index], advisor, "confirmed",
                     rng.choice(("phone", "wechat", "website")))
        for index in (0, 3, 6, 9, 14):  # tomorrow: the calls to make, the list to prepare
            if index < len(slots):
                book(today + timedelta(days=1), slots[index], advisor,
                     "booked" if index % 2 == 0 else "confirmed", rng.choice(("phone", "wechat")))
        for days in (2, 3, 5):
            book(today + timedelta(days=days), slots[rng.randrange(len(slots))], advisor,
                 "booked", rng.choice(("phone", "website", "walk_in")))
    db.session.flush()
    arrived = next((a for a in made if a.day == today and a.starts_at <= now
                    and a.status == "confirmed"), None)
    if arrived is not None:
        appointments.arrive(arrived, start_reception(arrived.vehicle, arrived.advisor,
                                                     arrived.kind), arrived.starts_at)
    tomorrow = [a for a in made if a.day == today + timedelta(days=1)]
    part = db.session.scalar(select(Part).where(Part.number == "04465-02220"))
    if tomorrow and part is not None:
        order = PartsOrder(customer=tomorrow[0].customer, vehicle=tomorrow[0].vehicle,
                           appointment=tomorrow[0], ordered_on=today,
                           handled_by=tomorrow[0].advisor)
        order.lines.append(PartsOrderLine(part=part, quantity=part.stock_on_hand + 2,
                                          unit_price=part.price))
        db.session.add(order)
        db.session.flush()
        parts.check_stock(order, tomorrow[0].advisor, now, today + timedelta(days=1))
    db.session.flush()
    return len(made)
