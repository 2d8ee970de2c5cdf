"""init_admin(app): a new Admin per app, with every screen of every area."""

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Accident,
    Appointment,
    AuditLog,
    Certificate,
    Complaint,
    Customer,
    Drill,
    EmergencyPlan,
    Employee,
    Equipment,
    Event,
    FollowUpCall,
    Handover,
    Hazard,
    InspectionTemplate,
    Letter,
    LetterTemplate,
    Part,
    PartsOrder,
    Reception,
    SafetyInspection,
    SafetyRecord,
    StockMovement,
    Substitution,
    Summary,
    TrainingRequirement,
    TrainingSession,
    User,
    Vehicle,
    Visit,
)
from ..security import csp_nonce
from .appointments import AppointmentAdmin, PreparationView, ScheduleView
from .archives import CustomerAdmin, VehicleAdmin, VisitAdmin
from .audit import AuditLogAdmin
from .base import main_menu, page_assets
from .checklists import HandoverAdmin, ReceptionAdmin
from .followups import (
    ComplaintAdmin,
    EventAdmin,
    FollowUpCallAdmin,
    LetterAdmin,
    LetterTemplateAdmin,
    QueueView,
    SubstitutionAdmin,
)
from .home import HomeView
from .parts import PartAdmin, PartsOrderAdmin, StockMovementAdmin
from .safety import (
    AccidentAdmin,
    DrillAdmin,
    EmergencyPlanAdmin,
    EquipmentAdmin,
    HazardAdmin,
    InspectionTemplateAdmin,
    SafetyInspectionAdmin,
    SafetyRecordAdmin,
    SafetyReportView,
)
from .settings import SettingsView
from .summaries import SummaryAdmin
from .training import (
    CertificateAdmin,
    CompetencyView,
    EmployeeAdmin,
    TrainingRequirementAdmin,
    TrainingSessionAdmin,
)
from .users import UserAdmin


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name=_l("After-sales back office"),
        theme=Bootstrap4Theme(base_template="admin/backoffice_base.html", fluid=True),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    app.extensions["backoffice_menus"] = {}
    app.extensions["backoffice_assets"] = {}
    app.jinja_env.globals.update(main_menu=main_menu, page_assets=page_assets)
    archives = _l("Customer archives")
    admin.add_view(CustomerAdmin(Customer, db, name=_l("Customers"), category=archives,
                                 endpoint="customer"))
    admin.add_view(VehicleAdmin(Vehicle, db, name=_l("Vehicles"), category=archives,
                                endpoint="vehicle"))
    admin.add_view(VisitAdmin(Visit, db, name=_l("Visits"), category=archives, endpoint="visit"))

    appointments = _l("Appointments")
    admin.add_view(ScheduleView(name=_l("Appointment schedule"), category=appointments,
                                endpoint="appointment_schedule", url="/admin/appointment_schedule"))
    admin.add_view(AppointmentAdmin(Appointment, db, name=_l("Appointment list"),
                                    category=appointments, endpoint="appointment"))
    admin.add_view(PreparationView(name=_l("Preparation list"), category=appointments,
                                   endpoint="preparation", url="/admin/preparation"))

    checklists = _l("Reception and handover")
    admin.add_view(ReceptionAdmin(Reception, db, name=_l("Receptions"), category=checklists,
                                  endpoint="reception"))
    admin.add_view(HandoverAdmin(Handover, db, name=_l("Handovers"), category=checklists,
                                 endpoint="handover"))

    parts = _l("Parts supply")
    admin.add_view(PartsOrderAdmin(PartsOrder, db, name=_l("Parts orders"), category=parts,
                                   endpoint="parts_order"))
    admin.add_view(PartAdmin(Part, db, name=_l("Parts catalogue"), category=parts,
                             endpoint="part"))
    admin.add_view(StockMovementAdmin(StockMovement, db, name=_l("Stock movements"),
                                      category=parts, endpoint="stock_movement"))

    safety = _l("Safety management")
    for view_class, model, name, endpoint in (
        (SafetyInspectionAdmin, SafetyInspection, _l("Safety inspections"), "safety_inspection"),
        (HazardAdmin, Hazard, _l("Hazards"), "hazard"),
        (EquipmentAdmin, Equipment, _l("Equipment"), "equipment"),
        (InspectionTemplateAdmin, InspectionTemplate, _l("Inspection templates"),
         "inspection_template"),
        (EmergencyPlanAdmin, EmergencyPlan, _l("Emergency plans"), "emergency_plan"),
        (DrillAdmin, Drill, _l("Drills"), "drill"),
        (AccidentAdmin, Accident, _l("Accidents"), "accident"),
        (SafetyRecordAdmin, SafetyRecord, _l("Violations and commendations"), "safety_record"),
    ):
        admin.add_view(view_class(model, db, name=name, category=safety, endpoint=endpoint))
    admin.add_view(SafetyReportView(name=_l("Monthly safety report"), category=safety,
                                    endpoint="safety_report", url="/admin/safety_report"))

    training = _l("Training")
    admin.add_view(TrainingSessionAdmin(TrainingSession, db, name=_l("Training sessions"),
                                        category=training, endpoint="training_session"))
    admin.add_view(EmployeeAdmin(Employee, db, name=_l("Employees"), category=training,
                                 endpoint="employee"))
    admin.add_view(CertificateAdmin(Certificate, db, name=_l("Certificates"), category=training,
                                    endpoint="certificate"))
    admin.add_view(CompetencyView(name=_l("Competency matrix"), category=training,
                                  endpoint="competency", url="/admin/competency"))
    admin.add_view(TrainingRequirementAdmin(TrainingRequirement, db,
                                            name=_l("Training requirements"), category=training,
                                            endpoint="training_requirement"))

    follow_up = _l("Follow-up service")
    admin.add_view(QueueView(name=_l("Work queue"), category=follow_up, endpoint="queue",
                             url="/admin/queue"))
    admin.add_view(FollowUpCallAdmin(FollowUpCall, db, name=_l("Call register"),
                                     category=follow_up, endpoint="follow_up_call"))
    admin.add_view(ComplaintAdmin(Complaint, db, name=_l("Complaints and requests"),
                                  category=follow_up, endpoint="complaint"))
    admin.add_view(LetterAdmin(Letter, db, name=_l("Letter register"), category=follow_up,
                               endpoint="letter"))
    admin.add_view(EventAdmin(Event, db, name=_l("Events"), category=follow_up,
                              endpoint="event"))
    admin.add_view(SummaryAdmin(Summary, db, name=_l("Summaries"), category=follow_up,
                                endpoint="summary"))
    admin.add_view(LetterTemplateAdmin(LetterTemplate, db, name=_l("Letter templates"),
                                       category=follow_up, endpoint="letter_template"))
    admin.add_view(SubstitutionAdmin(Substitution, db, name=_l("Substitutes"),
                                     category=follow_up, endpoint="substitution"))

    system = _l("Administration")
    admin.add_view(UserAdmin(User, db, name=_l("Users"), category=system, endpoint="user"))
    admin.add_view(SettingsView(name=_l("Settings"), category=system, endpoint="settings",
                                url="/admin/settings"))
    admin.add_view(
        AuditLogAdmin(
            AuditLog, db, name=_l("Audit log"), category=system, endpoint="audit_log"
        )
    )
    return admin
