"""Years of a dealer group's records, in minutes: the data the benchmark runs on.

`flask --app app seed-demo --scale large` writes 200,000 customers, 250,000 vehicles,
1,000,000 visits, 2,000,000 follow-up calls, 50,000 complaints, 20,000 safety
inspections and 500 employees with five years of training and their certificates. Rows
go in with bulk INSERTs in batches (the ORM would take hours), so the values the models
keep in step themselves — reversed mobiles and plates for suffix search, archive due
days, call windows, a vehicle's mileage and next maintenance from its newest visits,
certificates' review and expiry days — are computed here the same way. Every value is
valid (mobiles, plates, VINs with their check digit), repeatable (a fixed random seed)
and plausible (visits spread over five years, most calls made on time, most complaints
closed). One audit row per table records the bulk write.
"""
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, column, func, insert, select, text
from sqlalchemy import table as table_clause

from . import clock, revisions, rules, safety, settings, training
from .demo import (
    COLOURS,
    DISTRICTS,
    GIVEN,
    ITEMS,
    KEY_POINTS,
    KIND_WEIGHTS,
    MODELS,
    PLATE_CHARS,
    ROADS,
    SURNAMES,
    _users,
)
from .extensions import db
from .models import (
    Attendance,
    AuditLog,
    Certificate,
    Complaint,
    Customer,
    Employee,
    FollowUpCall,
    InspectionAnswer,
    InspectionTemplate,
    SafetyInspection,
    TrainingRequirement,
    TrainingSession,
    Vehicle,
    Visit,
)

SCALES = {
    "large": {"customers": 200_000, "vehicles": 250_000, "visits": 1_000_000,
              "calls": 2_000_000, "complaints": 50_000, "inspections": 20_000,
              "employees": 500},
    # A small run of the same code, for the test suite.
    "test": {"customers": 400, "vehicles": 500, "visits": 2_000, "calls": 4_000,
             "complaints": 100, "inspections": 40, "employees": 20},
}
BATCH = 10_000
YEARS = 5
# Mostly Shenzhen's neighbours; each prefix distinct, so that n -> plate is one to one.
_PLATE_PREFIXES = ("粤B", "粤A", "粤C", "粤E", "粤S", "湘A", "赣A", "桂A")
_PLATE_ALPHABET = PLATE_CHARS + "0123456789"


class AlreadySeeded(Exception):
    """The archive holds customers already: a scale run wants an empty one."""


def seed(scale: str = "large", progress: Callable[[str, int, int], None] | None = None,
         random_seed: int = 20261127) -> dict[str, int]:
    """Write the scale's rows; returns how many of each. The demo users must exist."""
    sizes = SCALES[scale]
    if db.session.scalar(select(func.count()).select_from(Customer).execution_options(
            include_deleted=True)):
        raise AlreadySeeded
    if db.engine.dialect.name == "sqlite":
        # Index pages of millions of rows: a 2 MB page cache (the default) would make
        # every insert a disk read. This connection only; 256 MB.
        db.session.execute(text("PRAGMA cache_size = -262144"))
    rng = random.Random(random_seed)  # noqa: S311  # nosec B311  # repeatable sample data
    report = progress or (lambda table, done, total: None)
    run = _Run(rng, sizes, report)
    safety.ensure_default_templates()
    db.session.flush()
    # Secondary indexes are built once at the end: sorting millions of keys once is
    # far faster than inserting each into a B-tree bigger than the page cache.
    connection = db.session.connection()
    indexes = _as_made([index for model in (Customer, Vehicle, Visit, FollowUpCall, Complaint)
                        for index in model.__table__.indexes], connection)
    for index in indexes:
        index.drop(connection)
    counts = {
        "customer": run.customers(),
        "vehicle": run.vehicles(),
        "visit": run.visits(),
        "follow_up_call": run.calls(),
        "complaint": run.complaints(),
        "safety_inspection": run.inspections(),
        "employee": run.employees(),
    }
    counts |= run.training()
    run.vehicles_as_visited()
    for index in indexes:
        report(f"index {index.name}", 1, 1)
        index.create(connection)
    _after_explicit_ids(counts)
    now = clock.now()
    db.session.execute(insert(AuditLog), [
        {"at": now, "source": "cli", "username": "seed-demo", "model": table,
         "record_id": "*", "action": "create", "changes": {"bulk_rows": count}}
        for table, count in counts.items()
    ])
    return counts


def _as_made(indexes: list, connection) -> list:
    """The indexes in the order the migrations made them, to be made again in it: SQLite
    keeps no statistics here and, between two indexes that look equally good, takes the
    one made last, so the seeded data is planned as a migrated database's is (a table's
    indexes are a set: their order changed from run to run). PostgreSQL's planner goes
    by statistics: there, any fixed order."""
    made = []
    if connection.dialect.name == "sqlite":
        made = connection.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY rowid")).all()
    position = {name: n for n, name in enumerate(made)}
    return sorted(indexes, key=lambda index: (position.get(index.name, len(made)), index.name))


def _after_explicit_ids(counts: dict[str, int]) -> None:
    """PostgreSQL's id sequences don't see explicit ids: move them past the rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for name in (*counts, "inspection_answer"):
        ids = table_clause(name, column("id")).c.id
        db.session.execute(select(func.setval(
            func.pg_get_serial_sequence(name, "id"),
            select(func.coalesce(func.max(ids), 1)).scalar_subquery())))


def vacuum(counts: dict[str, int]) -> None:
    """After the commit, on PostgreSQL: what autovacuum would do some time later, now
    (statistics for the planner, the visibility map for index-only counts)."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ", ".join((*counts, "inspection_answer"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {tables}"))


class _Run:
    def __init__(self, rng: random.Random, sizes: dict, report):
        self.rng, self.sizes, self.report = rng, sizes, report
        self.today = clock.today()
        self.first_day = self.today - timedelta(days=365 * YEARS)
        self.settings = settings.current()
        self.agents = [u.id for u in _users("followup_agent")] or [None]
        self.advisors = [u.id for u in _users("service_advisor")] or [None]
        self.officers = [u.id for u in _users("safety_officer")] or [None]
        self.owner_of: list[int] = []        # vehicle index -> customer id
        self.vehicle_ids: list[int] = []
        self.first_customer = self._next_id(Customer)
        self.first_vehicle = self._next_id(Vehicle)

    @staticmethod
    def _next_id(model) -> int:
        return (db.session.scalar(select(func.max(model.id)).execution_options(
            include_deleted=True)) or 0) + 1

    def _insert(self, model, rows_of: Callable[[int], dict], total: int) -> int:
        table = model.__table__.name
        start = self._next_id(model)
        for first in range(0, total, BATCH):
            rows = [rows_of(n) | {"id": start + n}
                    for n in range(first, min(first + BATCH, total))]
            db.session.execute(insert(model), rows)
            self.report(table, first + len(rows), total)
        return total

    # -- the archive --------------------------------------------------------------------------

    def customers(self) -> int:
        rng = self.rng

        def row(n: int) -> dict:
            # 11 digits, unique: n times a number prime to 10^9 is a permutation.
            mobile = "1" + "3589"[n % 4] + "7" + f"{(n * 7_919 + 13) % 10**8:08d}"
            return {
                "name": rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "kind": "company" if n % 23 == 0 else "person",
                "mobile": mobile, "mobile_reversed": mobile[::-1],
                "address": f"深圳市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}"
                           f"{rng.randint(1, 999)}号",
                "preferred_channel": rng.choice(("phone", "phone", "sms", "wechat")),
                "contact_consent": rng.random() > 0.05,
                "agent_id": rng.choice(self.agents),
            }

        return self._insert(Customer, row, self.sizes["customers"])

    def vehicles(self) -> int:
        rng, customers = self.rng, self.sizes["customers"]

        def row(n: int) -> dict:
            # Every customer has a car; some have two.
            owner = self.first_customer + (n if n < customers else rng.randrange(customers))
            self.owner_of.append(owner)
            brand, models, kind, maker, new_energy = rng.choice(MODELS)
            plate = _plate(n, new_energy)
            vin = _vin(rng, maker, n)
            bought = self.first_day - timedelta(days=rng.randint(0, 2000))
            return {
                "customer_id": owner, "plate_number": plate, "plate_reversed": plate[::-1],
                "vin": vin, "vin_reversed": vin[::-1], "brand": brand,
                "vehicle_model": rng.choice(models), "vehicle_kind": kind,
                "colour": rng.choice(COLOURS), "purchase_date": bought,
                "registration_date": bought + timedelta(days=rng.randint(1, 20)),
                "warranty_end_date": bought + timedelta(days=365 * 3),
                "warranty_end_km": 100_000,
            }

        return self._insert(Vehicle, row, self.sizes["vehicles"])

    def visits(self) -> int:
        """Visits spread over the years; each vehicle's come in date order."""
        rng, vehicles, total = self.rng, self.sizes["vehicles"], self.sizes["visits"]
        span = (self.today - self.first_day).days
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        self.visit_rows: list[tuple[int, int, date, bool]] = []  # for the calls
        # vehicle index -> [mileage, next maintenance date, km]: what its newest visits
        # leave on it (Visit.record_on_vehicle)
        self.as_visited: dict[int, list] = {}

        def row(n: int) -> dict:
            vehicle = n % vehicles
            round_ = n // vehicles
            rounds = -(-total // vehicles)
            day = self.first_day + timedelta(
                days=(span * round_) // rounds + rng.randrange(max(1, span // rounds)))
            day = min(day, self.today)
            at = clock.aware(datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 30)))))
            kind = rng.choices(kinds, weights)[0]
            done = at + timedelta(hours=rng.randint(1, 30))
            finished = done.date() < self.today
            due = rules.archive_due(day, self.settings)
            archived = at + timedelta(days=rng.choice((0, 1, 1, 2, 3))) if finished else None
            mileage = 3_000 + round_ * 9_000 + rng.randint(0, 4_000)
            visit_id = self._next_visit + n
            self.visit_rows.append((visit_id, vehicle, done.date(), finished))
            next_date, next_km = (rules.add_months(day, 6), mileage + 5_000) if (
                kind == "maintenance") else (None, None)
            # A vehicle's visits come in date order, its mileage growing.
            now = self.as_visited.setdefault(vehicle, [None, None, None])
            now[0] = mileage
            if next_date:
                now[1:] = next_date, next_km
            return {
                "vehicle_id": self.first_vehicle + vehicle,
                "customer_id": self.owner_of[vehicle], "kind": kind, "visited_at": at,
                "mileage": mileage, "service_items": rng.choice(ITEMS[kind]),
                "advisor_id": rng.choice(self.advisors),
                "completed_at": done if finished else None,
                "maintenance_interval_months": 6 if kind == "maintenance" else None,
                "maintenance_interval_km": 5_000 if kind == "maintenance" else None,
                "next_maintenance_date": next_date, "next_maintenance_km": next_km,
                "archive_due_on": due, "archived_at": archived,
                "archived_on": clock.local_date(archived) if archived else None,
            }

        self._next_visit = self._next_id(Visit)
        return self._insert(Visit, row, total)

    def vehicles_as_visited(self) -> None:
        """Each vehicle's mileage and next maintenance, from its newest visits, as the
        visits' screens carry them onto it."""
        table = Vehicle.__table__
        update = table.update().where(table.c.id == bindparam("vehicle")).values(
            current_mileage=bindparam("mileage"),
            next_maintenance_date=bindparam("next_date"),
            next_maintenance_km=bindparam("next_km"))
        rows = [{"vehicle": self.first_vehicle + vehicle, "mileage": mileage,
                 "next_date": next_date, "next_km": next_km}
                for vehicle, (mileage, next_date, next_km) in self.as_visited.items()]
        connection = db.session.connection()  # Core: the vehicles' bulk audit row covers it
        for first in range(0, len(rows), BATCH):
            connection.execute(update, rows[first:first + BATCH])
            self.report("vehicle (as visited)", min(first + BATCH, len(rows)), len(rows))

    def calls(self) -> int:
        """The first and the second call of each visit: made on time mostly, the
        recent ones still planned, a few late or not reached."""
        rng, visits, total = self.rng, self.visit_rows, self.sizes["calls"]

        def row(n: int) -> dict:
            visit_id, vehicle, completed_on, finished = visits[(n // 2) % len(visits)]
            second = n % 2 == 1
            window = rules.first_call_window(completed_on, self.settings)
            if second:
                window = rules.second_call_window(window[0] + timedelta(days=1), self.settings)
            values = {
                "customer_id": self.owner_of[vehicle],
                "vehicle_id": self.first_vehicle + vehicle, "visit_id": visit_id,
                "kind": "second" if second else "first", "direction": "out",
                "due_from": window[0], "due_by": window[1],
                "agent_id": rng.choice(self.agents), "status": "planned",
            }
            if not finished or window[0] > self.today:
                return values
            called_on = window[0] + timedelta(days=rng.choice((0, 1, 1, 2, 3, 4, 9)))
            if called_on > self.today:
                return values  # due now, or late
            reached = rng.random() > 0.08
            values.update(
                status="made", called_on=called_on,
                called_at=clock.aware(datetime.combine(called_on, time(rng.randint(9, 17)))),
                reached="yes" if reached else "no_answer",
                satisfaction=rng.choice(("satisfied", "satisfied", "satisfied", "neutral",
                                         "dissatisfied")) if reached else None,
                key_points=rng.choice(KEY_POINTS) if reached else None,
            )
            return values

        return self._insert(FollowUpCall, row, total)

    def complaints(self) -> int:
        rng, visits = self.rng, self.visit_rows

        def row(n: int) -> dict:
            visit_id, vehicle, completed_on, _finished = visits[rng.randrange(len(visits))]
            kind = "complaint" if n % 3 else "request"
            severity = rng.choice(("high", "medium", "medium", "low"))
            opened = min(completed_on + timedelta(days=rng.randint(3, 10)), self.today)
            closed = opened + timedelta(days=rng.randint(0, 6))
            return {
                "kind": kind, "customer_id": self.owner_of[vehicle],
                "vehicle_id": self.first_vehicle + vehicle,
                "summary": rng.choice(("空调异味未解决", "等待时间过长", "结算金额有疑问",
                                       "希望提供上门取送车", "询问保养套餐价格")),
                "severity": severity, "owner_id": rng.choice(self.agents),
                "opened_on": opened,
                "due_on": rules.complaint_due(opened, severity, self.settings),
                "closed_at": clock.aware(datetime.combine(closed, time(16)))
                if closed < self.today else None,
            }

        return self._insert(Complaint, row, self.sizes["complaints"])

    # -- safety and training ------------------------------------------------------------------

    def inspections(self) -> int:
        """Signed inspections of the default templates, most recent last; every answer
        passes but a few (their hazards are not made at this scale)."""
        rng, total = self.rng, self.sizes["inspections"]
        templates = db.session.scalars(select(InspectionTemplate)).all()
        pairs = [(t, area) for t in templates for area in t.areas]
        answers: list[dict] = []
        first_answer = self._next_id(InspectionAnswer)
        start = self._next_id(SafetyInspection)

        def row(n: int) -> dict:
            template, area = pairs[n % len(pairs)]
            day = self.today - timedelta(days=(total - n) * 365 * 2 // total + 1)
            for item in template.items:
                answers.append({
                    "id": first_answer + len(answers), "inspection_id": start + n,
                    "item_id": item.id, "group": item.group, "text": item.text,
                    "result": "fail" if rng.random() < 0.01 else "pass",
                })
            return {
                "area": area, "inspected_on": day, "template_id": template.id,
                "kind": "routine", "inspector_id": rng.choice(self.officers),
                "signed_by_id": rng.choice(self.officers),
                "signed_at": clock.aware(datetime.combine(day, time(17))),
            }

        count = self._insert(SafetyInspection, row, total)
        for first in range(0, len(answers), BATCH):
            db.session.execute(insert(InspectionAnswer), answers[first:first + BATCH])
        return count

    def employees(self) -> int:
        rng = self.rng
        positions = (("机修车间", "机修工"), ("机修车间", "电工"), ("钣喷车间", "钣金工"),
                     ("钣喷车间", "喷漆工"), ("服务部", "服务顾问"), ("客服部", "跟踪业务员"),
                     ("配件部", "库管员"), ("综合部", "安全员"))
        trades = {"电工": ["electrician"], "钣金工": ["welder"], "喷漆工": ["painter"]}

        def row(n: int) -> dict:
            department, position = positions[n % len(positions)]
            return {
                "name": rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "number": f"S{n + 1:05d}", "department": department, "position": position,
                "hired_on": self.first_day + timedelta(days=rng.randint(0, 365 * YEARS)),
                "status": "left" if n % 17 == 0 else "active",
                "trades": trades.get(position, []),
            }

        return self._insert(Employee, row, self.sizes["employees"])

    # -- training ----------------------------------------------------------------------------

    def training(self) -> dict[str, int]:
        """The employees' years of training, as a trainer would have kept them: the
        demo's requirements by position; an onboarding class a few days after each
        month's hires; the yearly safety training in two runs a year (each employee
        keeps to one, and now and then misses it: lapsed); each position's required
        course once a year; scores against the pass mark (a few fail). Special
        operations certificates for those with a trade (reviewed every 3 years, renewed
        after 6; a few reviews or renewals missed), vocational ones for most mechanics
        and advisors."""
        rng, today = self.rng, self.today
        staff = db.session.execute(
            select(Employee.id, Employee.hired_on, Employee.position, Employee.trades)
            .order_by(Employee.id)).all()
        requirements = [
            {"position": position, "kind": kind, "title": title, "within_days_of_hire": days,
             "every_months": months}
            for position, kind, title, days, months in training._REQUIREMENTS
        ]
        sessions, attendance = [], []
        first_session = self._next_id(TrainingSession)

        def held(title, kind, on, hours, pass_mark, people):
            session_id = first_session + len(sessions)
            present = [{"session_id": session_id, "employee_id": person.id,
                        "hours": Decimal(hours), "score": score,
                        "passed": training.passed_for(score, pass_mark, True)}
                       for person in people if person.hired_on <= on
                       for score in [Decimal(min(100, max(40, round(rng.gauss(86, 8)))))]]
            if on >= today or not present:
                return
            sessions.append({
                "id": session_id, "title": title, "kind": kind, "method": "classroom",
                "held_on": on, "hours": Decimal(hours), "trainer": "周培训",
                "content": f"{title}：理论讲解、案例分析与现场演示", "pass_mark": pass_mark})
            attendance.extend(present)

        cohorts: dict[date, list] = {}
        for person in staff:
            cohorts.setdefault(person.hired_on.replace(day=1), []).append(person)
        for month, people in sorted(cohorts.items()):
            held(f"新员工岗前培训（{month:%Y年%m月}入职）", "onboarding",
                 max(p.hired_on for p in people) + timedelta(days=3), "8", Decimal("60"),
                 [p for p in people if rng.random() < 0.97])
        courses = [(position, kind, title or "发动机电控系统故障诊断")
                   for position, kind, title, _days, _months in training._REQUIREMENTS]
        for year in range(self.first_day.year, today.year + 1):
            for run, month in enumerate((3, 9)):
                held(f"年度安全生产培训（{year}年第{'一二'[run]}期）", "safety",
                     date(year, month, 15), "4", Decimal("80"),
                     [p for n, p in enumerate(staff) if n % 2 == run and rng.random() < 0.93])
            for position, kind, title in courses:
                held(title, kind, date(year, 6, 10) + timedelta(days=rng.randint(0, 60)),
                     "6", Decimal("75"),
                     [p for p in staff if p.position == position and rng.random() < 0.9])
        count = self._insert(TrainingRequirement, lambda n: requirements[n],
                             len(requirements))
        db.session.execute(insert(TrainingSession), sessions)
        db.session.execute(insert(Attendance), attendance)
        self.report("attendance", len(attendance), len(attendance))
        certificates = self.certificates(staff)
        db.session.execute(insert(Certificate), certificates)
        revisions.changed(db.session.connection(), "training")  # (no flush saw these)
        return {"training_requirement": count, "training_session": len(sessions),
                "attendance": len(attendance), "certificate": len(certificates)}

    def certificates(self, staff: list) -> list[dict]:
        rng, today = self.rng, self.today
        rows = []

        def certificate(person, kind, issued_on, trade=None, reviewed_on=None):
            rows.append({"employee_id": person.id} | training.certificate_values(
                kind, issued_on, trade=trade, reviewed_on=reviewed_on,
                serial=rng.randint(1, 999_999)))
            return rows[-1]["valid_until"]

        for person in staff:
            for trade in person.trades or ():
                issued = person.hired_on - timedelta(days=rng.randint(0, 1500))
                while True:
                    reviewed = rules.add_months(issued, 36) - timedelta(
                        days=rng.randint(0, 30))
                    if reviewed > today or rng.random() < 0.05:
                        reviewed = None  # not yet due, or missed
                    valid_until = certificate(person, "special_operations", issued, trade,
                                              reviewed)
                    if valid_until >= today or rng.random() < 0.04:
                        break  # still valid, or not renewed
                    issued = valid_until - timedelta(days=rng.randint(0, 60))
            if person.position in ("机修工", "服务顾问", "电工") and rng.random() < 0.7:
                certificate(person, "vocational", min(
                    person.hired_on + timedelta(days=rng.randint(60, 400)),
                    today - timedelta(days=1)))
        return rows


def _plate(n: int, new_energy: bool) -> str:
    """A unique plate for each n: the province and city letter, then five characters."""
    province_and_city = _PLATE_PREFIXES[n % len(_PLATE_PREFIXES)]
    rest = n // len(_PLATE_PREFIXES)
    tail = ""
    for _ in range(5):
        rest, digit = divmod(rest, len(_PLATE_ALPHABET))
        tail = _PLATE_ALPHABET[digit] + tail
    if new_energy:
        tail = "DF"[n % 2] + tail  # green plates have six
    return rules.normalize_plate(province_and_city + tail)


def _vin(rng: random.Random, maker: str, n: int) -> str:
    """A VIN with a valid check digit, unique by its serial part (n)."""
    alphabet = rules.VIN_CHARACTERS
    body = maker + "".join(rng.choice(alphabet) for _ in range(5)) + "0"
    body += rng.choice("NPRS") + alphabet[n // 1_000_000 % len(alphabet)] + f"{n % 1_000_000:06d}"
    return body[:8] + rules.vin_check_digit(body) + body[9:]
