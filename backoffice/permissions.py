"""Roles and the one permission matrix every screen reads (DOMAIN.md "Who uses it")."""
from flask_babel import lazy_gettext as _l

ROLES = {
    "admin": _l("System administrator"),
    "supervisor": _l("Service supervisor"),
    "followup_agent": _l("Follow-up agent"),
    "service_advisor": _l("Service advisor"),
    "safety_officer": _l("Safety officer"),
    "trainer": _l("Training lead"),
    "manager": _l("Manager (read-only)"),
}

AREAS = {
    "archives": _l("Customer archives"),
    "followups": _l("Follow-up service"),
    "appointments": _l("Appointments"),
    "checklists": _l("Reception and handover"),
    "parts": _l("Parts supply"),
    "safety": _l("Safety management"),
    "training": _l("Training"),
    "users": _l("Users"),
    "audit": _l("Audit log"),
}

# R = list and view, W = create and edit, D = delete (soft delete, restore, purge).
MATRIX = {
    "archives": {
        "admin": "RWD", "supervisor": "RW", "followup_agent": "RW",
        "service_advisor": "RW", "manager": "R",
    },
    "followups": {
        "admin": "RWD", "supervisor": "RW", "followup_agent": "RW",
        "service_advisor": "R", "manager": "R",
    },
    "appointments": {
        "admin": "RWD", "supervisor": "R", "followup_agent": "R",
        "service_advisor": "RW", "manager": "R",
    },
    "checklists": {
        "admin": "RWD", "supervisor": "R", "followup_agent": "R",
        "service_advisor": "RW", "manager": "R",
    },
    "parts": {"admin": "RWD", "supervisor": "RW", "service_advisor": "RW", "manager": "R"},
    "safety": {"admin": "RWD", "safety_officer": "RW", "manager": "R"},
    "training": {
        "admin": "RWD", "supervisor": "R", "safety_officer": "R",
        "trainer": "RW", "manager": "R",
    },
    "users": {"admin": "RWD"},
    "audit": {"admin": "R", "manager": "R"},
}

# Export goes with R, for these roles only.
EXPORT_ROLES = frozenset({"admin", "supervisor", "manager"})


def allowed(role: str | None, area: str, op: str) -> bool:
    """May `role` do `op` ("R", "W", "D" or "X" for export) in `area`?"""
    if role is None:
        return False
    if op == "X":
        return role in EXPORT_ROLES and allowed(role, area, "R")
    return op in MATRIX[area].get(role, "")


def sees_contact_details(role: str | None) -> bool:
    """Whether the role sees customers' phone numbers in full (the manager sees 138****1234)."""
    return role != "manager"
