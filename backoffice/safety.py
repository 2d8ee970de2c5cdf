"""Safety (安全管理, DOMAIN.md "Safety"): what is due, what is overdue, the month's figures.

Inspections are due per area and template on the template's schedule; a failed item
raises a hazard, rectified by its deadline and verified by the safety officer.
"""
import calendar
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from . import clock, rules, settings
from .extensions import db
from .models import (
    HAZARD_LEVELS,
    Accident,
    Drill,
    Equipment,
    EquipmentService,
    Hazard,
    InspectionAnswer,
    InspectionItem,
    InspectionTemplate,
    SafetyInspection,
)

# DOMAIN.md's inspection items, by group: the default templates.
DEFAULT_ITEMS = {
    "equipment": (
        "设备设施按计划维护保养，记录完整",
        "设备操作人员经过培训，持证上岗",
        "有故障的设备已停止使用并报告",
    ),
    "people": (
        "员工已接受岗前安全培训",
        "按规定佩戴劳动防护用品（安全帽、工作服、护目镜）",
        "无酒后上岗、疲劳作业",
        "无吸烟、明火",
        "无嬉戏打闹",
    ),
    "materials": (
        "易燃、易爆、有毒物品分类隔离存放",
        "物品堆放整齐稳固",
        "消防通道、安全出口畅通",
    ),
    "electrical_height": (
        "电气作业前已切断电源",
        "高处作业系好安全带",
    ),
    "fire": (
        "灭火器配置齐全",
        "灭火器在有效期内、压力正常",
    ),
}
DEFAULT_TEMPLATES = (
    # name, schedule, areas, groups
    ("车间日常安全检查", "daily", ["workshop", "paint_booth", "wash_bay"],
     ("equipment", "people", "materials", "electrical_height")),
    ("仓库安全检查", "weekly", ["warehouse"], ("people", "materials", "fire")),
    ("办公及接待区安全检查", "weekly", ["office"], ("people", "materials")),
    ("消防器材月检", "monthly", ["workshop", "warehouse", "paint_booth", "wash_bay", "office"],
     ("fire",)),
)


def ensure_default_templates() -> int:
    """The templates from DOMAIN.md's list, when there are none yet (editable later)."""
    exists = select(func.count()).select_from(InspectionTemplate).execution_options(
        include_deleted=True)
    if db.session.scalar(exists):
        return 0
    for name, schedule, areas, groups in DEFAULT_TEMPLATES:
        template = InspectionTemplate(name=name, schedule=schedule, areas=areas)
        db.session.add(template)
        texts = [(group, text) for group in groups for text in DEFAULT_ITEMS[group]]
        for position, (group, text) in enumerate(texts, start=1):
            db.session.add(InspectionItem(template=template, group=group, text=text,
                                          position=position))
    db.session.flush()
    return len(DEFAULT_TEMPLATES)


# -- inspections -----------------------------------------------------------------------------

def start_inspection(template: InspectionTemplate, area: str, kind: str, inspector,
                     day: date) -> SafetyInspection:
    """A new inspection with one unanswered line per item of the template."""
    inspection = SafetyInspection(template=template, area=area, kind=kind,
                                  inspector=inspector, inspected_on=day)
    db.session.add(inspection)
    for item in template.items:
        db.session.add(InspectionAnswer(inspection=inspection, item_id=item.id,
                                        group=item.group, text=item.text))
    return inspection


def raise_hazard(answer: InspectionAnswer, level: str, found_by) -> Hazard:
    """The hazard a failed item raises, due by the level's deadline."""
    inspection = answer.inspection
    hazard = Hazard(
        description=answer.text + (f"：{answer.note}" if answer.note else ""),
        area=inspection.area, found_by=found_by, found_on=inspection.inspected_on,
        inspection=inspection, answer_id=answer.id,
    )
    set_level(hazard, level)
    db.session.add(hazard)
    return hazard


def set_level(hazard: Hazard, level: str) -> None:
    """The hazard's level, and the deadline it gives from the day the hazard was found
    (DOMAIN.md "Safety": major 3 days, general 15; settings)."""
    hazard.level = level
    hazard.deadline = rules.hazard_deadline(hazard.found_on, level, settings.current())


def hazard_as_raised(hazard: Hazard) -> bool:
    """Nothing done about the hazard yet (not rectified, verified or closed): the
    inspection that raised it may still change its level or take it back."""
    return (hazard.rectified_at is None and hazard.verified_at is None
            and hazard.closed_at is None)


def schedule(today: date) -> list[dict]:
    """Each template and area: the last inspection, when the next is due, and the one
    started today and not signed off yet (its id, or None)."""
    started = {
        (template_id, area): inspection_id
        for template_id, area, inspection_id in db.session.execute(
            select(SafetyInspection.template_id, SafetyInspection.area,
                   func.max(SafetyInspection.id))
            .where(SafetyInspection.inspected_on == today, SafetyInspection.signed_at.is_(None))
            .group_by(SafetyInspection.template_id, SafetyInspection.area)
        )
    }
    last = {
        (template_id, area): day
        for template_id, area, day in db.session.execute(
            select(SafetyInspection.template_id, SafetyInspection.area,
                   func.max(SafetyInspection.inspected_on))
            .where(SafetyInspection.signed_at.is_not(None))
            .group_by(SafetyInspection.template_id, SafetyInspection.area)
        )
    }
    rows = []
    templates = db.session.scalars(select(InspectionTemplate).order_by(InspectionTemplate.id))
    for template in templates:
        for area in template.areas or []:
            done = last.get((template.id, area))
            due = rules.next_inspection_due(template.schedule, done, today)
            rows.append({"template": template, "area": area, "last": done, "due": due,
                         "overdue": due < today, "due_now": due <= today,
                         "started": started.get((template.id, area))})
    return rows


# -- hazards ---------------------------------------------------------------------------------

HAZARD_STATES = ("open", "overdue", "rectified", "closed")


def answer_counts(inspection_ids: list[int]) -> dict[int, dict[str | None, int]]:
    """{inspection id: {result (None: not answered yet): how many}} in one query."""
    counts: dict[int, dict[str | None, int]] = {}
    if inspection_ids:
        for inspection_id, result, count in db.session.execute(
                select(InspectionAnswer.inspection_id, InspectionAnswer.result, func.count())
                .where(InspectionAnswer.inspection_id.in_(inspection_ids))
                .group_by(InspectionAnswer.inspection_id, InspectionAnswer.result)):
            counts.setdefault(inspection_id, {})[result] = count
    return counts


def hazard_state(hazard: Hazard, today: date) -> str:
    if hazard.closed_at:
        return "closed"
    if hazard.rectified_at:
        return "rectified"  # waiting for the safety officer's verification
    return "overdue" if today > hazard.deadline else "open"


def hazard_state_clause(state: str, today: date):
    open_ = and_(Hazard.closed_at.is_(None), Hazard.rectified_at.is_(None))
    return {
        "open": and_(open_, Hazard.deadline >= today),
        "overdue": and_(open_, Hazard.deadline < today),
        "rectified": and_(Hazard.closed_at.is_(None), Hazard.rectified_at.is_not(None)),
        "closed": Hazard.closed_at.is_not(None),
    }[state]


def verify(hazard: Hazard, passed: bool, note: str | None, new_deadline: date | None,
           verifier, now) -> None:
    """The safety officer's check: passed closes the hazard, failed reopens it with a
    new deadline."""
    hazard.verified_at, hazard.verified_by, hazard.verification_note = now, verifier, note
    if passed:
        hazard.closed_at = now
        return
    hazard.failed_verifications += 1
    hazard.rectified_at = hazard.rectified_by = None
    hazard.deadline = new_deadline


# -- equipment -------------------------------------------------------------------------------

def record_service(equipment: Equipment, kind: str, done_on: date, by: str | None,
                   notes: str | None):
    """A maintenance moves the next service date on; a repair puts a stopped piece
    back in service (DOMAIN.md: faulty equipment is stopped until repaired)."""
    service = EquipmentService(equipment=equipment, kind=kind, done_on=done_on, done_by=by,
                               notes=notes)
    db.session.add(service)
    equipment.last_service_on = max(filter(None, (equipment.last_service_on, done_on)))
    if equipment.service_interval_days:
        equipment.next_service_on = equipment.last_service_on + timedelta(
            days=equipment.service_interval_days)
    if kind == "repair" and equipment.status == "stopped":
        equipment.status, equipment.stopped_reason = "in_service", None
    return service


# -- the monthly report ----------------------------------------------------------------------

def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def scheduled_count(schedule_kind: str, start: date, end: date) -> int:
    """How many inspections a schedule asks for in a period."""
    days = (end - start).days + 1
    if schedule_kind == "daily":
        return days
    if schedule_kind == "weekly":
        return -(-days // 7)  # every started week
    return 1


def report_figures(day: date) -> dict:
    """The month's safety figures (月度安全报告): inspections done against scheduled,
    hazards found, closed and overdue by level, drills, accidents."""
    start, end = month_bounds(day)
    in_month = SafetyInspection.inspected_on.between(start, end)
    done = {
        (template_id, area): count
        for template_id, area, count in db.session.execute(
            select(SafetyInspection.template_id, SafetyInspection.area, func.count())
            .where(in_month, SafetyInspection.signed_at.is_not(None))
            .group_by(SafetyInspection.template_id, SafetyInspection.area)
        )
    }
    # This month's schedule so far; nothing is scheduled yet for a month to come.
    so_far = min(end, clock.today())
    inspections = []
    for template in db.session.scalars(select(InspectionTemplate).order_by(InspectionTemplate.id)):
        for area in template.areas or []:
            inspections.append({
                "template": template.name, "area": area,
                "scheduled": scheduled_count(template.schedule, start, so_far)
                if so_far >= start else 0,
                "done": done.get((template.id, area), 0),
            })
    since, until = clock.day_range(start, end)
    # Overdue at the month's end (or today, for this month): past the deadline and
    # neither rectified nor closed by then.
    as_of = so_far
    by_then = clock.day_range(as_of, as_of)[1]
    hazards = {}
    for level in HAZARD_LEVELS:
        of_level = Hazard.level == level
        hazards[level] = {
            "found": _count(Hazard, of_level, Hazard.found_on.between(start, end)),
            "closed": _count(Hazard, of_level, Hazard.closed_at >= since,
                             Hazard.closed_at < until),
            "overdue": _count(
                Hazard, of_level, Hazard.deadline < as_of, Hazard.found_on <= as_of,
                or_(Hazard.rectified_at.is_(None), Hazard.rectified_at >= by_then),
                or_(Hazard.closed_at.is_(None), Hazard.closed_at >= by_then)),
        }
    return {
        "month": start.isoformat(), "inspections": inspections,
        "inspections_done": sum(row["done"] for row in inspections),
        "inspections_scheduled": sum(row["scheduled"] for row in inspections),
        "hazards": hazards,
        "drills": _count(Drill, Drill.held_on.between(start, end)),
        "accidents": _count(Accident, Accident.happened_at >= since,
                            Accident.happened_at < until),
    }


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
