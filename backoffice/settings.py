"""Settings an administrator changes on the settings page; DOMAIN.md's values by default.

Read once per request (or CLI command) and kept in `g`: rules.py's functions take
them as a mapping.
"""
from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import rules
from .extensions import db
from .models import Setting


@dataclass(frozen=True)
class Spec:
    label: object
    minimum: int = 0
    maximum: int = 365


SPECS = {
    "archive_days": Spec(_l("Days to build a visit's customer archive")),
    "first_call_from_days": Spec(_l("First call: from this many days after the visit")),
    "first_call_to_days": Spec(_l("First call: until this many days after the visit")),
    "second_call_from_days": Spec(_l("Second call: from this many days after the first")),
    "second_call_to_days": Spec(_l("Second call: until this many days after the first")),
    "escalation_days": Spec(_l("Days before an open request goes to the supervisor")),
    "event_notice_days": Spec(_l("Days before an event that customers are phoned")),
    "letter_days": Spec(_l("Days after the notice call to send the event letter")),
    "call_attempts": Spec(_l("Attempts to reach a customer for one call"), 1, 10),
    "complaint_days_high": Spec(_l("Days to close a high-risk complaint"), 1),
    "complaint_days_medium": Spec(_l("Days to close a medium-risk complaint"), 1),
    "complaint_days_low": Spec(_l("Days to close a low-risk complaint"), 1),
    # The shop may promise more than the law's guarantee, never less (the minimum).
    "guarantee_assembly_days": Spec(_l("Guarantee of whole-vehicle or assembly repair (days)"),
                                    100, 3650),
    "guarantee_assembly_km": Spec(_l("Guarantee of whole-vehicle or assembly repair (km)"),
                                  20000, 500000),
    "guarantee_level2_days": Spec(_l("Guarantee of level-2 maintenance (days)"), 30, 3650),
    "guarantee_level2_km": Spec(_l("Guarantee of level-2 maintenance (km)"), 5000, 500000),
    "guarantee_minor_days": Spec(_l("Guarantee of level-1 maintenance and minor repair (days)"),
                                 10, 3650),
    "guarantee_minor_km": Spec(_l("Guarantee of level-1 maintenance and minor repair (km)"),
                               2000, 500000),
    "hazard_days_major": Spec(_l("Days to rectify a major hazard"), 1),
    "hazard_days_general": Spec(_l("Days to rectify a general hazard"), 1),
    "onboarding_days": Spec(_l("Days after hiring to complete onboarding training"), 1),
    "safety_training_months": Spec(_l("Months between periodic safety trainings"), 1, 60),
    "opening_hour": Spec(_l("Appointments: the first slot starts at (hour)"), 0, 23),
    "closing_hour": Spec(_l("Appointments: the last slot ends by (hour)"), 1, 24),
    "slot_minutes": Spec(_l("Appointments: length of a slot (minutes)"), 10, 240),
    "appointments_per_slot": Spec(_l("Appointments per advisor and slot"), 1, 20),
    "appointments_per_day": Spec(_l("Appointments per advisor and day"), 1, 200),
    "confirmation_days": Spec(_l("Days before an appointment that it is confirmed by phone"),
                              1, 14),
    "no_show_call_days": Spec(_l("Days to phone a customer who missed an appointment"), 0, 14),
}
rules.check_labels(SPECS, rules.DEFAULTS)  # every setting needs a default


def current() -> dict[str, int]:
    """All settings: the defaults, overridden by what the administrator saved."""
    if "settings" not in g:
        with db.session.no_autoflush:
            saved = dict(db.session.execute(select(Setting.key, Setting.value)).all())
        g.settings = {
            key: int(saved[key]) if key in saved else default
            for key, default in rules.DEFAULTS.items()
        }
    return g.settings


def forget() -> None:
    """Read the settings again on next use (after they were saved)."""
    g.pop("settings", None)
