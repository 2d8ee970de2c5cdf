"""init_admin(app): a new Admin per app, with every screen of every area."""
from pathlib import Path

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import AuditLog, Customer, User, Vehicle, Visit
from .archives import CustomerAdmin, VehicleAdmin, VisitAdmin
from .audit import AuditLogAdmin
from .home import HomeView
from .users import UserAdmin


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name=_l("After-sales back office"),
        theme=Bootstrap4Theme(base_template="admin/backoffice_base.html", fluid=True),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        # Our admin.po fills the gaps in Flask-Admin's own Chinese catalog.
        translations_path=str(Path(app.root_path) / "translations"),
    )
    archives = _l("Customer archives")
    admin.add_view(CustomerAdmin(Customer, db, name=_l("Customers"), category=archives,
                                 endpoint="customer"))
    admin.add_view(VehicleAdmin(Vehicle, db, name=_l("Vehicles"), category=archives,
                                endpoint="vehicle"))
    admin.add_view(VisitAdmin(Visit, db, name=_l("Visits"), category=archives, endpoint="visit"))

    system = _l("Administration")
    admin.add_view(UserAdmin(User, db, name=_l("Users"), category=system, endpoint="user"))
    admin.add_view(
        AuditLogAdmin(
            AuditLog, db, name=_l("Audit log"), category=system, endpoint="audit_log"
        )
    )
    return admin
