"""Test data made through the real models (and so through the audit hooks)."""
import io
import itertools
from datetime import timedelta
from functools import cache

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from backoffice import clock, safety
from backoffice.config import TestConfig
from backoffice.extensions import db
from backoffice.models import (
    Accident,
    AuditLog,
    Complaint,
    Customer,
    Drill,
    EmergencyPlan,
    Equipment,
    Event,
    FollowUpCall,
    Handover,
    Hazard,
    InspectionItem,
    InspectionTemplate,
    Letter,
    LetterTemplate,
    Reception,
    SafetyRecord,
    Substitution,
    Summary,
    User,
    Vehicle,
    Visit,
)
from backoffice.rules import vin_check_digit

PASSWORD = "correct horse battery"


@cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password, method=TestConfig.PASSWORD_HASH_METHOD)


def make_user(role: str, username: str | None = None, password: str = PASSWORD, **fields) -> User:
    """A user with `role`, committed; its username is the role unless given."""
    user = User(
        username=username or role,
        display_name=fields.pop("display_name", f"测试{role}"),
        role=role,
        active=fields.pop("active", True),
        password_hash=_password_hash(password),
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


_serial = itertools.count(1)


def make_customer(**fields) -> Customer:
    n = next(_serial)
    values = {"name": f"客户{n}", "mobile": f"139{n:08d}", "kind": "person"}
    customer = Customer(**{**values, **fields})
    db.session.add(customer)
    db.session.commit()
    return customer


def make_vin(n: int) -> str:
    body = f"LSVAM4180C{n:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def make_vehicle(owner: Customer | None = None, **fields) -> Vehicle:
    n = next(_serial)
    values = {
        "owner": owner or make_customer(), "plate_number": f"粤B{n:05d}", "vin": make_vin(n),
        "brand": "大众", "vehicle_model": "朗逸", "vehicle_kind": "sedan",
    }
    vehicle = Vehicle(**{**values, **fields})
    db.session.add(vehicle)
    db.session.commit()
    return vehicle


def make_visit(vehicle: Vehicle | None = None, **fields) -> Visit:
    vehicle = vehicle or make_vehicle()
    values = {
        "vehicle": vehicle, "customer": vehicle.owner, "kind": "maintenance",
        "visited_at": clock.now(), "mileage": 10000, "service_items": "更换机油、机油滤清器",
    }
    visit = Visit(**{**values, **fields})
    db.session.add(visit)
    db.session.commit()
    return visit


def make_call(customer: Customer | None = None, **fields) -> FollowUpCall:
    """A planned first call, due from today for a week, unless told otherwise."""
    customer = customer or make_customer()
    today = clock.today()
    values = {"customer": customer, "kind": "first", "due_from": today,
              "due_by": today + timedelta(days=4)}
    call = FollowUpCall(**{**values, **fields})
    db.session.add(call)
    db.session.commit()
    return call


def sample_call() -> int:
    """A first call with every relation the register shows or exports filled in."""
    visit = make_visit()
    return make_call(visit.customer, vehicle=visit.vehicle, visit=visit).id


def make_complaint(**fields) -> Complaint:
    values = {"customer": fields.pop("customer", None) or make_customer(), "kind": "complaint",
              "summary": "空调异味", "opened_on": clock.today(), "severity": "medium"}
    item = Complaint(**{**values, **fields})
    db.session.add(item)
    db.session.commit()
    return item


def make_event(**fields) -> Event:
    values = {"name": "免费检测周", "kind": "free_inspection",
              "event_on": clock.today() + timedelta(days=30)}
    event = Event(**{**values, **fields})
    db.session.add(event)
    db.session.commit()
    return event


def sample_substitution() -> int:
    n = next(_serial)
    absent = make_user("followup_agent", f"sample_absent{n}")
    substitute = make_user("followup_agent", f"sample_substitute{n}")
    row = Substitution(absent_agent=absent, substitute=substitute,
                       starts_on=clock.today(), ends_on=clock.today() + timedelta(days=3))
    db.session.add(row)
    db.session.commit()
    return row.id


def sample_summary() -> int:
    month = clock.today().replace(day=1) - timedelta(days=31 * next(_serial))
    row = Summary(period="month", starts_on=month.replace(day=1), ends_on=month, figures={})
    db.session.add(row)
    db.session.commit()
    return row.id


def sample_letter() -> int:
    letter = Letter(customer=make_customer(), kind="notice", subject="保养提醒", channel="post")
    db.session.add(letter)
    db.session.commit()
    return letter.id


def _png() -> bytes:
    """A small signature-like PNG: what the signature canvas sends, in miniature."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (60, 24), "white")
    ImageDraw.Draw(image).line([(4, 18), (20, 4), (36, 18), (56, 6)], fill="black", width=2)
    out = __import__("io").BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def noise_picture(width: int, height: int, kind: str, **options) -> bytes:
    """A picture of noise, which does not compress: a large file of a known size (RGB at
    3 bytes a pixel before compression), e.g. a camera's photo or a large signature."""
    import random

    from PIL import Image

    out = io.BytesIO()
    noise = random.Random(width * height).randbytes(width * height * 3)
    Image.frombytes("RGB", (width, height), noise).save(out, format=kind, **options)
    return out.getvalue()


PNG = _png()
SIGNATURE = "data:image/png;base64," + __import__("base64").b64encode(PNG).decode()


def make_reception(vehicle: Vehicle | None = None, *, complete: bool = True,
                   signed: bool = False, **fields) -> Reception:
    """A reception checklist, its steps filled in (and signed) unless told otherwise."""
    from decimal import Decimal

    from backoffice.models import RECEPTION_STEPS, StoredFile

    vehicle = vehicle or make_vehicle()
    now = clock.now()
    visit = Visit(vehicle=vehicle, customer=vehicle.owner, kind="repair", visited_at=now)
    values = {"vehicle": vehicle, "customer": vehicle.owner, "visit": visit,
              "started_at": now, "steps_done": {}, "damages": [], "belongings": {}}
    if complete:
        values.update(
            steps_done={step: now.isoformat() for step in RECEPTION_STEPS},
            seat_cover=True, wheel_cover=True, floor_mat=True, mileage=12000, fuel_eighths=4,
            belongings={"spare_tyre": True, "tools": True}, described_faults="刹车有异响",
            requests="检查刹车", fault_confirmation="前刹车片磨损", warranty_decision="no",
            warranty_reason="正常磨损", vehicle_licence=True, parts_in_stock=True,
            estimate_amount=Decimal("680.00"), promised_at=now + timedelta(hours=4),
        )
    reception = Reception(**{**values, **fields})
    db.session.add_all([visit, reception])
    if signed:
        stored = StoredFile(purpose="signature", mimetype="image/png", size=len(PNG),
                            sha256="0" * 64, data=PNG)
        db.session.add(stored)
        db.session.flush()
        reception.signature_id, reception.signed_at = stored.id, now
        reception.signed_by_name = vehicle.owner.name
    db.session.commit()
    return reception


def sample_handover() -> int:
    reception = make_reception(signed=True)
    handover = Handover(reception=reception, steps_done={}, belongings_found={})
    db.session.add(handover)
    db.session.commit()
    return handover.id


def sample_user() -> int:
    return make_user("trainer", f"sample_user{next(_serial)}").id


def sample_audit_row() -> int:
    make_user("trainer", f"audited_user{next(_serial)}")
    return db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))


# One record per screen (by endpoint), for the permission matrix to open, edit and
# delete. A new screen must add its own here: test_permissions checks that.
SAMPLES = {
    "user": sample_user,
    "audit_log": sample_audit_row,
    "customer": lambda: make_customer().id,
    "vehicle": lambda: make_vehicle().id,
    "visit": lambda: make_visit().id,
    "follow_up_call": sample_call,
    "complaint": lambda: make_complaint().id,
    "letter": sample_letter,
    "event": lambda: make_event().id,
    "letter_template": lambda: _add(LetterTemplate(
        name="模板", kind="notice", subject="主题", body="正文")).id,
    "substitution": sample_substitution,
    "summary": sample_summary,
    "reception": lambda: make_reception().id,
    "handover": sample_handover,
    "employee": lambda: make_employee().id,
    "training_session": lambda: make_session().id,
    "training_requirement": lambda: sample_requirement(),
    "certificate": lambda: make_certificate().id,
}


def _add(row):
    db.session.add(row)
    db.session.commit()
    return row


# -- safety ----------------------------------------------------------------------------------

def make_template(schedule: str = "weekly", areas=("workshop",), items=None):
    """An inspection template with a few items (group, text)."""
    template = InspectionTemplate(name=f"检查表{next(_serial)}", schedule=schedule,
                                  areas=list(areas))
    db.session.add(template)
    for position, (group, text) in enumerate(items or (
            ("equipment", "举升机保险装置完好"), ("people", "佩戴劳动防护用品"),
            ("fire", "灭火器在有效期内"))):
        db.session.add(InspectionItem(template=template, group=group, text=text,
                                      position=position))
    db.session.commit()
    return template


def make_inspection(template=None, area: str = "workshop", day=None, inspector=None):
    inspection = safety.start_inspection(template or make_template(), area, "routine",
                                         inspector, day or clock.today())
    db.session.commit()
    return inspection


def make_hazard(**fields):
    today = clock.today()
    values = {"description": "配电箱门未关闭", "area": "workshop", "level": "general",
              "found_on": today, "deadline": today + timedelta(days=15)}
    return _add(Hazard(**(values | fields)))


def _safety_samples():
    return {
        "safety_inspection": lambda: make_inspection().id,
        "hazard": lambda: make_hazard().id,
        "inspection_template": lambda: make_template().id,
        "equipment": lambda: _add(Equipment(name="1号举升机", kind="lift", area="workshop",
                                            service_interval_days=90)).id,
        "emergency_plan": lambda: _add(EmergencyPlan(title="火灾应急预案", edition="2026")).id,
        "drill": lambda: _add(Drill(scenario="疏散演练", held_on=clock.today())).id,
        "accident": lambda: _add(Accident(happened_at=clock.now(), area="workshop",
                                          description="扳手滑脱划伤手")).id,
        "safety_record": lambda: _add(SafetyRecord(kind="violation", person="张某",
                                                   happened_on=clock.today(),
                                                   what="车间吸烟")).id,
    }


SAMPLES.update(_safety_samples())


# -- training --------------------------------------------------------------------------------

def make_employee(**fields):
    """An employee at work, hired 400 days ago, unless told otherwise."""
    from backoffice.models import Employee

    n = next(_serial)
    values = {"name": f"员工{n}", "number": f"T{n:05d}", "department": "机修车间",
              "position": "机修工", "hired_on": clock.today() - timedelta(days=400),
              "status": "active", "trades": []}
    return _add(Employee(**(values | fields)))


def make_session(attendees=(), **fields):
    """A safety training held today (pass mark 80), with `attendees` (no scores yet)."""
    from decimal import Decimal

    from backoffice.models import Attendance, TrainingSession

    values = {"title": "年度安全生产培训", "kind": "safety", "method": "classroom",
              "held_on": clock.today(), "hours": Decimal("4"), "pass_mark": Decimal("80")}
    session = TrainingSession(**(values | fields))
    db.session.add(session)
    for employee in attendees:
        db.session.add(Attendance(session=session, employee=employee, hours=session.hours))
    db.session.commit()
    return session


def attend(session, employee, score=None, passed=None):
    """A recorded attendance, with its score and result."""
    from decimal import Decimal

    from backoffice.models import Attendance

    return _add(Attendance(session=session, employee=employee, hours=session.hours,
                           score=None if score is None else Decimal(str(score)),
                           passed=passed))


def make_certificate(employee=None, **fields):
    """An electrician's special operations certificate issued a year ago; the dates not
    given follow the rule."""
    from backoffice import training
    from backoffice.models import Certificate

    values = {"kind": "special_operations", "trade": "electrician",
              "number": f"T4403{next(_serial):08d}", "issuer": "深圳市应急管理局",
              "issued_on": clock.today() - timedelta(days=365)}
    values |= fields
    values["review_due"], values["valid_until"] = training.fill_certificate_dates(
        values["kind"], values["issued_on"], values.get("reviewed_on"),
        values.get("review_due"), values.get("valid_until"))
    return _add(Certificate(employee=employee or make_employee(), **values))


def sample_requirement() -> int:
    from backoffice.models import TrainingRequirement

    return _add(TrainingRequirement(position="机修工", kind="technical", every_months=24)).id


# -- appointments and parts ------------------------------------------------------------------

def make_advisor(username: str = "advisor", **fields) -> User:
    """The service advisor `username`, made once."""
    from backoffice.auth import find_user

    return find_user(username) or make_user("service_advisor", username, **fields)


def make_appointment(vehicle=None, advisor=None, starts_at=None, **fields):
    """An appointment (booked, no call made yet) tomorrow 09:00–09:30, unless told otherwise."""
    from datetime import datetime, time

    from backoffice.models import Appointment

    vehicle = vehicle or make_vehicle()
    start = clock.aware(starts_at or datetime.combine(clock.today() + timedelta(days=1),
                                                      time(9)))
    values = {"vehicle": vehicle, "customer": vehicle.owner, "advisor": advisor or make_advisor(),
              "kind": "maintenance", "description": "常规保养，刹车有点软", "starts_at": start,
              "ends_at": start + timedelta(minutes=30), "status": "booked", "channel": "phone"}
    return _add(Appointment(**(values | fields)))


def make_part(stock: int = 0, **fields):
    """A part in the catalogue; its opening stock comes in as a movement."""
    from decimal import Decimal

    from backoffice import parts
    from backoffice.models import Part

    n = next(_serial)
    values = {"number": f"TP{n:05d}", "name": f"机油滤清器{n}", "brand": "大众",
              "origin": "original", "unit": "piece", "price": Decimal("68.00"),
              "reorder_level": 0}
    part = Part(**(values | fields))
    db.session.add(part)
    if stock:
        parts.receive(part, stock, "期初库存", None)
    db.session.commit()
    return part


def make_parts_order(lines=(), customer=None, **fields):
    """An open parts order of a customer (and their car) for `lines`: (part, quantity)..."""
    from backoffice.models import PartsOrder, PartsOrderLine

    customer = customer or make_vehicle().owner
    values = {"customer": customer, "vehicle": customer.vehicles[0] if customer.vehicles
              else None, "ordered_on": clock.today()}
    order = PartsOrder(**(values | fields))
    db.session.add(order)
    for part, quantity in lines:
        order.lines.append(PartsOrderLine(part=part, quantity=quantity, unit_price=part.price))
    return _add(order)


def _parts_samples():
    def movement() -> int:
        from sqlalchemy import select

        from backoffice.models import StockMovement

        part = make_part(stock=3)
        return db.session.scalar(select(StockMovement.id).where(
            StockMovement.part_id == part.id))

    return {
        "appointment": lambda: make_appointment().id,
        "part": lambda: make_part(stock=2).id,
        "parts_order": lambda: make_parts_order([(make_part(stock=2), 1)]).id,
        "stock_movement": movement,
    }


SAMPLES.update(_parts_samples())


def reload(model, id_):
    """The row as the database has it now."""
    db.session.expire_all()
    return db.session.get(model, id_)


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF, as a reader would copy it."""
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def list_url(view_class, *filtered, **args) -> str:
    """A list's URL with its filters set (and sort, page... in `args`), as the screens
    link to it."""
    from flask import current_app

    from backoffice.views.base import screen

    with current_app.test_request_context():
        return screen(view_class).list_url(*filtered, **args)
