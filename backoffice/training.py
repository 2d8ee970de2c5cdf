"""Training (培训): what each employee must have had, the state of certificates, who may
not work a special trade, and the demo data (DOMAIN.md "Training").

Everything is worked out for many employees at once from a few queries (requirements,
attendances, certificates), so no screen asks the database once per row.
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import g
from sqlalchemy import and_, func, or_, select

from . import clock, revisions, rules, settings
from .extensions import db
from .models import (
    TRADES,
    Attendance,
    Certificate,
    Employee,
    TrainingRequirement,
    TrainingSession,
    User,
)

# How a required training or certificate stands for one employee (the matrix's cells).
STATUSES = ("valid", "due_soon", "expired", "missing")
# How one certificate stands: review_overdue and expired both forbid the trade's work.
CERTIFICATE_STATES = ("valid", "due_soon", "review_overdue", "expired")
# Kinds of which a newer certificate replaces the older one (an "other" one is its own).
_RENEWED_KINDS = frozenset({"special_operations", "vocational", "quality_inspector"})


# -- what is required ---------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    """A training an employee must have: of `kind` (and `title`, when given), first within
    `within_days` of hire, then again every `every_months` (None: once is enough)."""

    key: str  # "onboarding", "safety", or "r<id>" for a TrainingRequirement row
    kind: str
    title: str | None = None
    position: str | None = None  # None: every position
    within_days: int | None = None
    every_months: int | None = None
    row_id: int | None = None

    def applies_to(self, employee: Employee) -> bool:
        return self.position is None or self.position == employee.position


def requirements(config=None) -> list[Requirement]:
    """The two rules every employee is under (DOMAIN.md "Training": onboarding within
    N days of hire; safety training before starting, then every M months; both are
    settings), then each position's own (the TrainingRequirement rows)."""
    config = config if config is not None else settings.current()
    days = rules.setting(config, "onboarding_days")
    built_in = [
        Requirement("onboarding", "onboarding", within_days=days),
        Requirement("safety", "safety", within_days=days,
                    every_months=rules.setting(config, "safety_training_months")),
    ]
    rows = db.session.scalars(
        select(TrainingRequirement).order_by(TrainingRequirement.position,
                                             TrainingRequirement.id)
    )
    return built_in + [
        Requirement(f"r{row.id}", row.kind, (row.title or "").strip() or None,
                    (row.position or "").strip() or None, row.within_days_of_hire,
                    row.every_months, row.id)
        for row in rows
    ]


@dataclass(frozen=True)
class Cell:
    """One employee against one requirement or trade."""

    status: str  # valid, due_soon, expired, missing
    due_on: date | None = None  # when it is (or was) next due
    done_on: date | None = None  # when the training was last passed
    certificate: Certificate | None = None
    state: "CertificateState | None" = None


def _by_date(due_on: date, today: date) -> str:
    stage = rules.reminder_stage(due_on, today)
    if stage == 0:
        return "expired"
    return "valid" if stage is None else "due_soon"


def requirement_cell(req: Requirement, hired_on: date | None, done_on: date | None,
                     today: date, default_days: int) -> Cell:
    """A training done once stays valid, or lapses `every_months` after it was done.
    Never done: due `within_days` of hire (without a number of days, within the
    onboarding period), missing once that day has passed or with no hire date known."""
    if done_on is not None:
        if req.every_months is None:
            return Cell("valid", None, done_on)
        due = rules.add_months(done_on, req.every_months)
        return Cell(_by_date(due, today), due, done_on)
    if hired_on is None:
        return Cell("missing")
    days = req.within_days if req.within_days is not None else default_days
    due = hired_on + timedelta(days=days)
    return Cell("missing" if due < today else "due_soon", due)


# -- certificates ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateState:
    """Where one certificate stands today, and what it is waiting for."""

    state: str  # valid, due_soon, review_overdue, expired
    event: str | None = None  # what comes (or came) next: review or expiry
    due_on: date | None = None
    stage: int | None = None  # rules.reminder_stage of due_on

    @property
    def forbids_work(self) -> bool:
        return self.state in ("review_overdue", "expired")


def certificate_state(cert: Certificate, today: date) -> CertificateState:
    """Expired after its last valid day; unreviewed after its review was due (review_due
    is always the next review: the form moves it on when a review is recorded); due
    soon from 90 days before whichever of the two comes first."""
    if cert.valid_until is not None and cert.valid_until < today:
        return CertificateState("expired", "expiry", cert.valid_until, 0)
    if cert.review_due is not None and cert.review_due < today:
        return CertificateState("review_overdue", "review", cert.review_due, 0)
    dates = [(d, e) for d, e in ((cert.valid_until, "expiry"), (cert.review_due, "review")) if d]
    if not dates:
        return CertificateState("valid")
    due_on, event = min(dates)  # the same day: its expiry, the stronger of the two
    stage = rules.reminder_stage(due_on, today)
    return CertificateState("valid" if stage is None else "due_soon", event, due_on, stage)


def fill_certificate_dates(kind: str, issued_on: date | None, reviewed_on: date | None,
                           review_due: date | None, valid_until: date | None
                           ) -> tuple[date | None, date | None]:
    """(review due, valid until) as a certificate keeps them: the values given (typed by
    hand) are kept; missing ones follow rules.certificate_dates, the review never after
    the certificate's last valid day."""
    if issued_on is None:
        return review_due, valid_until
    rule_review, rule_valid = rules.certificate_dates(kind, issued_on, reviewed_on)
    if valid_until is None:
        valid_until = rule_valid
    if review_due is None and rule_review is not None:
        review_due = min(rule_review, valid_until) if valid_until else rule_review
    return review_due, valid_until


def current_certificates(certificates) -> list[Certificate]:
    """The certificates that count: of a renewed kind (and trade), only the newest one
    of each employee; the older ones stay on file."""
    newest: dict[tuple, Certificate] = {}
    for cert in certificates:
        key = ((cert.employee_id, cert.kind, cert.trade or "") if cert.kind in _RENEWED_KINDS
               else ("own", cert.id))
        best = newest.get(key)
        if best is None or (cert.issued_on, cert.id) > (best.issued_on, best.id):
            newest[key] = cert
    return sorted(newest.values(), key=lambda c: (c.employee_id, c.kind, c.trade or "", c.id))


def _certificate_cell(cert: Certificate | None, today: date) -> Cell:
    if cert is None:
        return Cell("missing")
    state = certificate_state(cert, today)
    status = {"review_overdue": "expired"}.get(state.state, state.state)
    return Cell(status, state.due_on, cert.issued_on, cert, state)


# -- everything about a set of employees ---------------------------------------------------

@dataclass(frozen=True)
class Flag:
    """An employee who may not do a special trade's work (DOMAIN.md: nobody works those
    trades on an expired or unreviewed certificate, or without one)."""

    employee: Employee
    trade: str
    reason: str  # missing, expired, review_overdue
    certificate: Certificate | None = None


@dataclass
class Assessment:
    today: date
    employees: list[Employee]
    requirements: list[Requirement]
    trainings: dict[int, dict[str, Cell]] = field(default_factory=dict)
    trades: dict[int, dict[str, Cell]] = field(default_factory=dict)
    certificates: dict[int, list[Certificate]] = field(default_factory=dict)  # current ones

    def columns(self) -> tuple[list[Requirement], list[str]]:
        """The requirements and trades that concern at least one of the employees."""
        used = {key for cells in self.trainings.values() for key in cells}
        trades = sorted({t for cells in self.trades.values() for t in cells},
                        key=_trade_order)
        return [r for r in self.requirements if r.key in used], trades

    def gaps(self, employee_id: int) -> list[tuple[Requirement, Cell]]:
        """What the employee lacks or is due for: everything not valid."""
        cells = self.trainings.get(employee_id, {})
        return [(r, cells[r.key]) for r in self.requirements
                if r.key in cells and cells[r.key].status != "valid"]

    def counts(self, employee_id: int, *, trades: bool = True) -> dict[str, int]:
        """How many of the employee's cells are in each status (trainings, and trades)."""
        counts = dict.fromkeys(STATUSES, 0)
        cells = list(self.trainings.get(employee_id, {}).values())
        if trades:
            cells += self.trades.get(employee_id, {}).values()
        for cell in cells:
            counts[cell.status] += 1
        return counts

    def flags(self) -> list[Flag]:
        out = []
        for employee in self.employees:
            for trade, cell in self.trades.get(employee.id, {}).items():
                if cell.status in ("expired", "missing"):
                    reason = cell.state.state if cell.state else "missing"
                    out.append(Flag(employee, trade, reason, cell.certificate))
        return out

    def training_gaps(self) -> list[int]:
        """The employees lacking a required training (missing, or lapsed)."""
        return [e.id for e in self.employees
                if any(c.status in ("missing", "expired")
                       for c in self.trainings.get(e.id, {}).values())]

    def training_due_soon(self) -> list[int]:
        """The employees with a required training due soon."""
        return [e.id for e in self.employees
                if any(c.status == "due_soon" for c in self.trainings.get(e.id, {}).values())]

    def reminders(self) -> dict[object, list[Certificate]]:
        """Current certificates by urgency: "expired", "review_overdue", or the
        reminder stage (7, 30, 60, 90) of their next review or expiry."""
        out: dict[object, list[Certificate]] = defaultdict(list)
        for certs in self.certificates.values():
            for cert in certs:
                state = certificate_state(cert, self.today)
                if state.state in ("expired", "review_overdue"):
                    out[state.state].append(cert)
                elif state.stage:
                    out[state.stage].append(cert)
        return out


def _trade_order(trade: str) -> int:
    return TRADES.index(trade) if trade in TRADES else len(TRADES)


# What an assessment reads of employees and certificates: assess_all loads only these, as
# rows (loading the whole records was half of its time).
_EMPLOYEE_COLUMNS = (Employee.id, Employee.name, Employee.number, Employee.department,
                     Employee.position, Employee.hired_on, Employee.trades)
_CERTIFICATE_COLUMNS = (Certificate.id, Certificate.employee_id, Certificate.kind,
                        Certificate.trade, Certificate.number, Certificate.issued_on,
                        Certificate.reviewed_on, Certificate.review_due,
                        Certificate.valid_until)


def assess(employees: list[Employee], today: date | None = None, config=None, *,
           rows: bool = False) -> Assessment:
    """Every requirement and trade of `employees` (three queries, whatever their number).
    With `rows`, the employees are rows of _EMPLOYEE_COLUMNS and so are the certificates
    found (_CERTIFICATE_COLUMNS); otherwise, records."""
    today = today or clock.today()
    config = config if config is not None else settings.current()
    result = Assessment(today, list(employees), requirements(config))
    ids = [e.id for e in employees]
    if not ids:
        return result
    # The newest passed training per (employee, kind, title), and per (employee, kind)
    # under the title None: what a requirement with or without a title asks for.
    latest: dict[tuple, date] = {}
    passed = or_(Attendance.passed.is_(True),
                 and_(Attendance.passed.is_(None), TrainingSession.pass_mark.is_(None)))
    for employee_id, kind, title, held_on in db.session.execute(
        select(Attendance.employee_id, TrainingSession.kind, TrainingSession.title,
               TrainingSession.held_on)
        .join(TrainingSession, Attendance.session)
        .where(Attendance.employee_id.in_(ids), TrainingSession.deleted_at.is_(None),
               TrainingSession.held_on <= today, passed)
    ):
        for key in ((employee_id, kind, None), (employee_id, kind, (title or "").strip())):
            if key not in latest or latest[key] < held_on:
                latest[key] = held_on
    default_days = rules.setting(config, "onboarding_days")
    for employee in employees:
        cells = {}
        for req in result.requirements:
            if not req.applies_to(employee):
                continue
            cells[req.key] = requirement_cell(
                req, employee.hired_on, latest.get((employee.id, req.kind, req.title)), today,
                default_days)
        result.trainings[employee.id] = cells
    found = db.session.execute((select(*_CERTIFICATE_COLUMNS) if rows else select(Certificate))
                               .where(Certificate.employee_id.in_(ids)))
    certificates = current_certificates(found.all() if rows else found.scalars())
    for cert in certificates:
        result.certificates.setdefault(cert.employee_id, []).append(cert)
    for employee in employees:
        held = {c.trade: c for c in result.certificates.get(employee.id, [])
                if c.kind == "special_operations" and c.trade}
        trades = set(employee.trades or []) | set(held)
        result.trades[employee.id] = {
            trade: _certificate_cell(held.get(trade), today)
            for trade in sorted(trades, key=_trade_order)
        }
    return result


def active_employees(department: str | None = None):
    """The employees at work (of a department), by department and number, as a query."""
    query = select(Employee).where(Employee.status == "active")
    if department:
        query = query.where(Employee.department == department)
    return query.order_by(Employee.department, Employee.number)


def assess_all(today: date | None = None) -> Assessment:
    """Every employee at work, assessed from rows of their and their certificates'
    columns: once per request (the home page asks often), and kept by the process while
    no training data changes (revisions.py; 500 employees take some 25 ms)."""
    today = today or clock.today()
    cache = g.setdefault("training_assessments", {})
    if today not in cache:
        cache[today] = revisions.kept("training", today, lambda: assess(db.session.execute(
            active_employees().with_only_columns(*_EMPLOYEE_COLUMNS)).all(), today, rows=True))
    return cache[today]


def forget() -> None:
    """Assess again on next use (after a change within the same request)."""
    g.pop("training_assessments", None)


def departments() -> list[str]:
    """The departments of the employees at work, for filters."""
    return list(db.session.scalars(
        select(Employee.department).where(Employee.status == "active",
                                          Employee.department.is_not(None))
        .group_by(Employee.department).order_by(Employee.department)
    ))


def positions() -> list[str]:
    """The positions in use (employees and requirements), for forms."""
    employees = select(Employee.position).where(Employee.position.is_not(None))
    required = select(TrainingRequirement.position).where(
        TrainingRequirement.position.is_not(None))
    return sorted(set(db.session.scalars(employees.group_by(Employee.position)))
                  | set(db.session.scalars(required.group_by(TrainingRequirement.position))))


def passed_for(score: Decimal | None, pass_mark: Decimal | None, stated: bool | None):
    """Whether an attendance passed: by the score when the session has a pass mark (not
    yet known without a score), else as the trainer states it."""
    if pass_mark is None:
        return stated
    return None if score is None else score >= pass_mark


# -- demo data -------------------------------------------------------------------------------

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
             "郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕丁沈姚卢钟")
_GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
          "霞", "平", "刚", "华", "鹏", "辉", "宇", "浩", "峰", "建国", "志强", "海涛", "春生",
          "晓东", "文博", "嘉豪", "俊杰", "丽娟", "秀英", "建华", "国平", "永红", "小龙")
# department, position, how many, trades, certificate kind besides special operations
_STAFF = (
    ("售后服务部", "服务顾问", 5, (), "vocational"),
    ("机修车间", "机修工", 10, (), "vocational"),
    ("机修车间", "电工", 3, ("electrician",), None),
    ("机修车间", "质检员", 2, (), "quality_inspector"),
    ("钣喷车间", "钣金工", 5, (), None),
    ("钣喷车间", "焊工", 3, ("welder",), None),
    ("钣喷车间", "喷漆工", 4, (), None),
    ("配件部", "配件管理员", 4, (), None),
    ("客服部", "跟踪业务员", 4, (), None),
)
# Demo accounts (demo.DEMO_USERS) that are also employees: display name -> position.
_ACCOUNTS = {"陈刚": "服务顾问", "刘洋": "服务顾问", "李丽": "跟踪业务员", "赵敏": "跟踪业务员"}
_REQUIREMENTS = (
    ("服务顾问", "service_skill", "服务顾问接待流程与话术", None, 12),
    ("跟踪业务员", "customer_service", "跟踪回访与投诉处理", 30, 12),
    ("电工", "safety", "电气作业安全操作规程", None, 12),
    ("机修工", "technical", None, None, 24),
    ("质检员", "technical", "维修质量检验标准", None, 12),
)
# title, kind, method, hours, pass mark, positions (None: everyone), months ago
_SESSIONS = (
    ("年度安全生产培训（第一期）", "safety", "classroom", "4", "80", None, 13),
    ("消防器材使用与应急疏散", "safety", "on_the_floor", "2", None, ("配件管理员", "喷漆工"), 4),
    ("年度安全生产培训（第二期）", "safety", "classroom", "4", "80", None, 11),
    ("年度安全生产培训（第三期）", "safety", "classroom", "4", "80", None, 3),
    ("电气作业安全操作规程", "safety", "classroom", "3", "80", ("电工",), 11),
    ("新能源汽车高压系统维修技术", "technical", "classroom", "8", "70",
     ("机修工", "电工", "质检员"), 9),
    ("发动机电控系统故障诊断", "technical", "on_the_floor", "6", "60", ("机修工",), 5),
    ("维修质量检验标准", "technical", "classroom", "4", "80", ("质检员",), 6),
    ("服务顾问接待流程与话术", "service_skill", "classroom", "6", "75", ("服务顾问",), 7),
    ("跟踪回访与投诉处理", "customer_service", "online", "3", "75",
     ("跟踪业务员", "服务顾问"), 4),
    ("钣金修复工艺现场教学", "technical", "on_the_floor", "6", None, ("钣金工", "焊工"), 6),
    ("师徒制：喷漆调色与施工", "technical", "mentoring", "16", None, ("喷漆工",), 2),
    ("配件库存与出入库管理", "management", "classroom", "3", None, ("配件管理员",), 4),
    ("班组管理与现场5S", "management", "classroom", "4", None, ("质检员",), 1),
)
_ISSUERS = {
    "special_operations": "深圳市应急管理局",
    "vocational": "广东省人力资源和社会保障厅",
    "quality_inspector": "深圳市交通运输局",
}


def _demo_name(rng: random.Random, taken: set) -> str:
    while True:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in taken:
            taken.add(name)
            return name


def seed_training(seed: int = 20261130) -> int:
    """Employees in five departments, a year of sessions with scores, requirements, and
    certificates in every state (valid, due at each reminder stage, review overdue,
    expired, renewed); nothing if there are employees already. Returns how many
    employees were added."""
    exists = select(func.count()).select_from(Employee).execution_options(include_deleted=True)
    if db.session.scalar(exists):
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # repeatable demo data, not a secret
    today = clock.today()
    accounts = {u.display_name: u for u in db.session.scalars(
        select(User).where(User.display_name.in_(_ACCOUNTS)))}
    names = set(_ACCOUNTS)
    employees = []
    for department, position, count, trades, _kind in _STAFF:
        account_names = [n for n, p in _ACCOUNTS.items() if p == position]
        for n in range(count):
            name = account_names[n] if n < len(account_names) else _demo_name(rng, names)
            hired = today - timedelta(days=rng.randint(400, 3000))
            employee = Employee(
                name=name, number=f"E{len(employees) + 1:04d}", department=department,
                position=position, hired_on=hired, status="active", trades=list(trades),
                user=accounts.get(name),
            )
            employees.append(employee)
    # Newcomers: one within the onboarding period, one past it without onboarding.
    employees[6].hired_on = today - timedelta(days=12)
    employees[16].hired_on = today - timedelta(days=45)
    # A mechanic who also holds a work-at-height certificate; a panel beater who welds.
    employees[7].trades = ["height_work"]
    employees[22].trades = ["welder"]
    employees[32].trades = ["forklift"]  # a parts clerk who drives the forklift
    for gone in (employees[9], employees[34]):
        gone.status = "left"
    db.session.add_all(employees)
    for position, kind, title, days, months in _REQUIREMENTS:
        db.session.add(TrainingRequirement(position=position, kind=kind, title=title,
                                           within_days_of_hire=days, every_months=months))
    _seed_sessions(rng, employees, today)
    _seed_certificates(rng, employees, today)
    db.session.flush()
    return len(employees)


def _attend(rng, session, employee, pass_mark) -> Attendance:
    score = None
    if pass_mark is not None:
        score = Decimal(min(100, max(40, round(rng.gauss(88, 7)))))
    return Attendance(session=session, employee=employee, hours=session.hours, score=score,
                      passed=passed_for(score, pass_mark, True))


def _seed_sessions(rng, employees, today) -> None:
    trainers = {"safety": "孙安全", "technical": "厂家技术培训师 何工",
                "service_skill": "王主管", "customer_service": "王主管"}
    at_work = [e for e in employees if e.status == "active"]
    # Onboarding: one class per month in which people were hired, a few days after.
    cohorts = defaultdict(list)
    for employee in employees:
        if employee.hired_on < today - timedelta(days=30) and employee is not employees[16]:
            cohorts[employee.hired_on.replace(day=1)].append(employee)
    for month, people in sorted(cohorts.items()):
        held = max(p.hired_on for p in people) + timedelta(days=3)
        session = TrainingSession(
            title=f"新员工岗前培训（{month:%Y年%m月}入职）", kind="onboarding",
            method="classroom", held_on=held, hours=Decimal("8"), trainer="周培训",
            content="公司制度、售后服务流程、安全生产与消防常识", pass_mark=Decimal("60"),
        )
        db.session.add(session)
        for person in people:
            attendance = _attend(rng, session, person, session.pass_mark)
            attendance.score = max(attendance.score, Decimal("65"))
            attendance.passed = True
            db.session.add(attendance)
    safety_runs = []
    for title, kind, method, hours, mark, roles, months_ago in _SESSIONS:
        held = rules.add_months(today, -months_ago) + timedelta(days=rng.randint(-6, 6))
        held = min(held, today - timedelta(days=1))
        pass_mark = Decimal(mark) if mark else None
        session = TrainingSession(
            title=title, kind=kind, method=method, held_on=held, hours=Decimal(hours),
            trainer=trainers.get(kind, "周培训"),
            content=f"{title}：理论讲解、案例分析与现场演示", pass_mark=pass_mark,
        )
        db.session.add(session)
        if title.startswith("年度安全生产培训"):
            safety_runs.append(session)
            continue
        people = [e for e in at_work if roles is None or e.position in roles]
        for person in people:
            if person.hired_on <= held and rng.random() < 0.9:
                db.session.add(_attend(rng, session, person, pass_mark))
    # Yearly safety training: most in the latest run, some only in one 11 months ago
    # (due soon) or 13 months ago (lapsed); a few never came.
    for n, person in enumerate(at_work):
        if n % 13 == 5 or person.hired_on > today - timedelta(days=60):
            continue
        run = safety_runs[0 if n % 7 == 3 else 1 if n % 5 == 1 else 2]
        if person.hired_on <= run.held_on:
            db.session.add(_attend(rng, run, person, run.pass_mark))


def certificate_values(kind, issued_on, *, trade=None, reviewed_on=None, serial=0,
                       valid_until=None, review_due=None) -> dict:
    """A sample certificate's columns but its employee (demo and scale data): its issuer,
    number, and the dates the rules give."""
    review_due, valid_until = fill_certificate_dates(kind, issued_on, reviewed_on,
                                                     review_due, valid_until)
    prefix = {"special_operations": "T", "vocational": "ZG", "quality_inspector": "ZJ"}
    return {
        "kind": kind, "trade": trade, "issuer": _ISSUERS.get(kind, "公司"),
        "number": f"{prefix.get(kind, 'Q')}4403{issued_on:%Y}{serial:06d}",
        "issued_on": issued_on, "reviewed_on": reviewed_on, "review_due": review_due,
        "valid_until": valid_until,
    }


def _certificate(employee, kind, issued_on, **values) -> Certificate:
    return Certificate(employee=employee, **certificate_values(kind, issued_on, **values))


def _seed_certificates(rng, employees, today) -> None:
    years = rules.add_months
    # Special operations certificates, one per special trade, each in a telling state.
    special = [e for e in employees if e.trades and e.status == "active"]
    plans = [
        # (issued, reviewed) chosen so that the next review or expiry falls where wanted
        lambda: (years(today, -14), None),                                   # valid
        lambda: (years(today + timedelta(days=85), -36), None),              # review in 85 d
        lambda: (years(today + timedelta(days=45), -36), None),              # review in 45 d
        lambda: (years(today + timedelta(days=30), -36), None),              # review in 30 d
        lambda: (years(today + timedelta(days=5), -36), None),               # review in 5 d
        lambda: (years(today - timedelta(days=20), -36), None),              # review overdue
        lambda: (years(today + timedelta(days=50), -72),                     # expires in 50 d
                 years(today + timedelta(days=50), -36)),
        lambda: (years(today - timedelta(days=10), -72),                     # expired
                 years(today - timedelta(days=10), -36)),
    ]
    for n, employee in enumerate(special):
        issued, reviewed = plans[n % len(plans)]()
        db.session.add(_certificate(employee, "special_operations", issued,
                                    trade=employee.trades[0], reviewed_on=reviewed,
                                    serial=rng.randint(1, 999999)))
    # A renewed certificate: the old one expired, the new one is valid.
    renewed = special[0]
    db.session.add(_certificate(renewed, "special_operations", years(today, -80),
                                trade=renewed.trades[0], reviewed_on=years(today, -44),
                                serial=rng.randint(1, 999999)))
    # Qualifications: vocational ones do not lapse; the inspectors' are renewed.
    for employee in employees:
        kind = next((k for _d, p, _c, _t, k in _STAFF if p == employee.position), None)
        if kind == "vocational" and rng.random() < 0.7:
            issued = min(employee.hired_on + timedelta(days=rng.randint(60, 400)),
                         today - timedelta(days=1))
            db.session.add(_certificate(employee, "vocational", issued,
                                        serial=rng.randint(1, 999999)))
        elif kind == "quality_inspector":
            issued = years(today, -rng.choice((10, 35)))
            db.session.add(_certificate(employee, "quality_inspector", issued,
                                        valid_until=years(issued, 36),
                                        serial=rng.randint(1, 999999)))
