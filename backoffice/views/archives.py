"""Customer archives (客户档案): customers, vehicles, visits, and one archive page each.

DOMAIN.md "Customer archive": the follow-up agent builds the archive within 2 days of
a visit. Searches go through indexes (search.py): name and plate prefixes, plate,
mobile and VIN suffixes through their reversed columns, whole mobiles and VINs.
"""
import re
import unicodedata
from datetime import timedelta

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_admin.model.template import LinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import joinedload
from wtforms import validators
from wtforms.validators import ValidationError

from .. import audit, clock, followups, imports, rules
from ..auth import current_role
from ..extensions import db
from ..formatting import content_disposition, mask_mobile
from ..models import (
    CHANNELS,
    CUSTOMER_KINDS,
    VISIT_KINDS,
    Customer,
    ImportBatch,
    Vehicle,
    Visit,
)
from ..pdf import pdf_response, render_pdf
from ..permissions import allowed, sees_contact_details
from ..rules import check_labels
from ..search import ends_with, starts_with
from .base import FreshFilterOptions, SecureModelView, screen
from .common import (
    Normalized,
    OptionFilter,
    SearchLoader,
    ThroughFilter,
    advisor_options,
    agent_options,
    duplicate_error,
    editing_id,
    existing_record,
    fresh_options,
    not_before,
    not_in_future,
    not_negative,
    row_link,
    users_with_role,
)
from .home import DueItem, due_items

KIND_LABELS = {"person": _l("Person"), "company": _l("Company")}
CHANNEL_LABELS = {
    "phone": _l("Phone"), "sms": _l("SMS"), "wechat": _l("WeChat"),
    "post": _l("Post"), "email": _l("E-mail"),
}
VISIT_KIND_LABELS = {
    "repair": _l("Repair"), "maintenance": _l("Maintenance"),
    "consultation": _l("Consultation"), "warranty": _l("Warranty"), "accident": _l("Accident"),
}
VEHICLE_KINDS = {
    "sedan": _l("Sedan"), "suv": _l("SUV"), "mpv": _l("MPV"), "hatchback": _l("Hatchback"),
    "pickup": _l("Pickup"), "van": _l("Van"), "truck": _l("Truck"), "bus": _l("Bus"),
}
ARCHIVE_STATUS = {
    "on_time": _l("Archived on time"), "late": _l("Archived late"),
    "open": _l("To archive"), "overdue": _l("Archive overdue"),
}
_STATUS_BADGE = {"on_time": "success", "late": "secondary", "open": "info", "overdue": "danger"}
MAINTENANCE_DUE = {
    "overdue": _l("Overdue"), "this_week": _l("This week"), "this_month": _l("This month"),
}
check_labels(KIND_LABELS, CUSTOMER_KINDS)
check_labels(CHANNEL_LABELS, CHANNELS)
check_labels(VISIT_KIND_LABELS, VISIT_KINDS)


# -- search -------------------------------------------------------------------------

def _fragment(term: str) -> str:
    """A plate, VIN or phone fragment as stored: half-width, upper case, no separators."""
    return re.sub(r"[\s·•・.\-]", "", unicodedata.normalize("NFKC", term)).upper()


def _vehicles_found(fragment: str):
    """The ids of the cars whose plate begins or ends with `fragment`, or whose VIN is it
    or ends with it (from 6 characters: "车架号后六位"; fewer would find many a car by
    the last digits of a mobile number)."""
    clauses = [starts_with(Vehicle.plate_number, fragment),
               ends_with(Vehicle.plate_reversed, fragment)]
    if len(fragment) == 17:
        clauses.append(Vehicle.vin == fragment)
    elif len(fragment) >= 6:
        clauses.append(ends_with(Vehicle.vin_reversed, fragment))
    return select(Vehicle.id).where(or_(*clauses))


def customer_search(term: str):
    """Name prefix; whole mobile, or its first or last digits; a car's plate prefix or
    suffix, whole VIN or its last characters."""
    fragment = _fragment(term)
    if not fragment:
        return None
    if fragment.isdigit():
        if len(fragment) == 11:
            return Customer.mobile == fragment
        clauses = [
            starts_with(Customer.mobile, fragment),
            ends_with(Customer.mobile_reversed, fragment),
        ]
    else:
        clauses = [starts_with(Customer.name, term.strip())]
    owners = select(Vehicle.customer_id).where(Vehicle.id.in_(_vehicles_found(fragment)))
    return or_(*clauses, Customer.id.in_(owners))


def vehicle_search(term: str):
    """Plate prefix or suffix; whole VIN or its last characters; owner name prefix."""
    fragment = _fragment(term)
    if not fragment:
        return None
    clauses = [
        starts_with(Vehicle.plate_number, fragment),
        ends_with(Vehicle.plate_reversed, fragment),
        Vehicle.customer_id.in_(
            select(Customer.id).where(starts_with(Customer.name, term.strip()))
        ),
    ]
    if len(fragment) == 17:
        clauses.append(Vehicle.vin == fragment)
    elif len(fragment) >= 4:
        clauses.append(ends_with(Vehicle.vin_reversed, fragment))
    return or_(*clauses)


def visit_search(term: str):
    """The vehicle (its plate or VIN, as customer_search), or the customer."""
    fragment = _fragment(term)
    if not fragment:
        return None
    customers = select(Customer.id).where(customer_search(term))
    return or_(
        Visit.vehicle_id.in_(_vehicles_found(fragment)), Visit.customer_id.in_(customers)
    )


def customer_picker(name: str = "customer") -> SearchLoader:
    """A form's customer box (form_ajax_refs)."""
    return SearchLoader(name, Customer, customer_search, customer_label, Customer.name,
                        _l("Type a name, mobile or plate number to search"))


def vehicle_picker(name: str = "vehicle") -> SearchLoader:
    """A form's car box (form_ajax_refs)."""
    return SearchLoader(name, Vehicle, vehicle_search, vehicle_label, Vehicle.plate_number,
                        _l("Type a plate number, the VIN's last characters or the owner's "
                           "name to search"))


def customer_label(customer: Customer) -> str:
    mobile = show_mobile(customer.mobile)
    return f"{customer.name} {mobile}".strip()


def vehicle_label(vehicle: Vehicle) -> str:
    return " ".join(str(p) for p in (vehicle.plate_number, vehicle.vehicle_model) if p)


# -- shared bits ----------------------------------------------------------------------

def show_mobile(value: str | None) -> str:
    """A mobile number as the current user may see it (masked for the manager)."""
    if sees_contact_details(current_role()):
        return value or ""
    return mask_mobile(value)


def _mobile_formatter(view, context, model, name):
    return show_mobile(getattr(model, name))


def _maintenance_due_clause(column):
    def clause(value: str):
        today = clock.today()
        if value == "overdue":
            return column < today
        if value == "this_week":
            return column.between(today, today + timedelta(days=6 - today.weekday()))
        month_end = rules.add_months(today.replace(day=1), 1) - timedelta(days=1)
        return column.between(today, month_end)

    return clause


def _with_visits_in(status: str):
    """SQL: the customers with a visit in this archive status. Visits still to archive
    are few (and indexed): their customers are listed first. Most visits are archived,
    on time or late: listing those customers first read a million visits (4 s); each
    customer of the page is asked instead, through the visits' customer index."""
    visits = select(Visit.customer_id).where(Visit.archive_status_clause(status, clock.today()))
    if status in ("open", "overdue"):
        return Customer.id.in_(visits)
    return visits.where(Visit.customer_id == Customer.id).exists()


def _customers_of(agent: str):
    return select(Customer.id).where(Customer.agent_id == int(agent))


CUSTOMER_ARCHIVE_FILTER = OptionFilter(Customer.id, _l("Archive status"), ARCHIVE_STATUS,
                                       _with_visits_in)


# -- customers --------------------------------------------------------------------------

IMPORT_CHOICES = {
    "kind": KIND_LABELS, "preferred_channel": CHANNEL_LABELS, "vehicle_kind": VEHICLE_KINDS,
}


class CustomerAdmin(FreshFilterOptions, SecureModelView):
    area = "archives"
    column_list = (
        "name", "kind", "mobile", "vehicles", "preferred_channel", "agent", "updated_at"
    )
    column_details_list = (
        "name", "kind", "mobile", "other_phone", "address", "preferred_channel",
        "contact_consent", "wished_services", "notes", "agent", "vehicles",
        "created_at", "updated_at",
    )
    column_export_list = column_details_list
    column_searchable_list = ("name", "mobile", "vehicles.plate_number")
    list_relations = ("vehicles",)
    column_default_sort = ("id", True)
    column_sortable_list = ("name", "updated_at")
    column_labels = {
        "name": _l("Customer name"),
        "kind": _l("Customer type"),
        "mobile": _l("Mobile"),
        "mobile_reversed": _l("Mobile"),
        "other_phone": _l("Other phone"),
        "address": _l("Address"),
        "preferred_channel": _l("Preferred channel"),
        "contact_consent": _l("Agrees to be contacted"),
        "wished_services": _l("Services the customer would like"),
        "notes": _l("Notes"),
        "agent": _l("Follow-up agent"),
        "agent_id": _l("Follow-up agent"),
        "vehicles": _l("Vehicles"),
        "vehicles.plate_number": _l("Plate number"),
    }
    column_choices = {
        "kind": list(KIND_LABELS.items()),
        "preferred_channel": list(CHANNEL_LABELS.items()),
    }
    column_formatters = {
        "mobile": _mobile_formatter,
        "vehicles": lambda v, c, m, n: ", ".join(x.plate_number for x in m.vehicles),
        "agent": lambda v, c, m, n: m.agent.display_name if m.agent else "",
    }
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    column_extra_row_actions = [
        LinkRowAction("fa fa-folder-open", "archive/?id={row_id}", title=_l("Archive page")),
    ]
    form_columns = (
        "name", "kind", "mobile", "other_phone", "address", "preferred_channel",
        "contact_consent", "wished_services", "notes", "agent",
    )
    form_choices = column_choices
    form_args = {
        "name": {"validators": [validators.InputRequired(), validators.Length(max=100)],
                 "filters": [lambda s: s.strip() if isinstance(s, str) else s]},
        "mobile": {"validators": [Normalized(rules.normalize_mobile)]},
        "other_phone": {"validators": [Normalized(rules.normalize_phone)]},
        "address": {"validators": [validators.Length(max=200)]},
        "agent": {"query_factory": lambda: users_with_role("followup_agent")},
    }
    # Room for spaces, dashes and +86 as people type them: the value is normalized.
    form_widget_args = {
        "mobile": {"inputmode": "tel", "placeholder": "13812345678", "maxlength": 24},
        "other_phone": {"inputmode": "tel", "placeholder": "0755-88886666", "maxlength": 40},
    }

    column_filters = (
        filters.FilterEqual(Customer.kind, _l("Customer type"), options=list(KIND_LABELS.items())),
        filters.IntEqualFilter(
            Customer.agent_id, _l("Follow-up agent"), options=fresh_options(agent_options)
        ),
        ThroughFilter(
            Customer.id, _l("Vehicle type"), VEHICLE_KINDS,
            lambda kind: select(Vehicle.customer_id).where(Vehicle.vehicle_kind == kind),
        ),
        ThroughFilter(
            Customer.id, _l("Next maintenance"), MAINTENANCE_DUE,
            lambda value: select(Vehicle.customer_id).where(
                _maintenance_due_clause(Vehicle.next_maintenance_date)(value)
            ),
        ),
        CUSTOMER_ARCHIVE_FILTER,
        filters.FilterEqual(
            Customer.preferred_channel, _l("Preferred channel"),
            options=list(CHANNEL_LABELS.items()),
        ),
        filters.BooleanEqualFilter(Customer.contact_consent, _l("Agrees to be contacted")),
    )

    def search_clause(self, text: str):
        return customer_search(text)

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if valid and "mobile" in form and form.mobile.data:
            existing = existing_record(Customer, Customer.mobile, form.mobile.data, editing_id())
            if existing:
                form.mobile.errors.append(duplicate_error(
                    _("A customer with this mobile number already exists:"),
                    self.get_url(".archive_view", id=existing.id), existing.name,
                ))
                valid = False
        return valid

    def list_links(self) -> list[tuple[str, str]]:
        links = [(_("Import"), self.get_url(".import_view"))] if self.can_create else []
        if allowed(current_role(), "followups", "W"):
            # The list as filtered now: every customer of it, not only this page.
            args = {k: v for k, v in request.args.items() if k not in ("page", "page_size")}
            links += [
                (_("Write to these customers"), url_for("letter.compose_view", **args)),
                (_("Invite them to an event"), url_for("event.invite_view", **args)),
            ]
        return links

    @action("letter", _l("Write a letter"))
    def action_letter(self, ids):
        return redirect(url_for("letter.compose_view", ids=",".join(ids)))

    @action("invite", _l("Invite to an event"))
    def action_invite(self, ids):
        return redirect(url_for("event.invite_view", ids=",".join(ids)))

    def is_action_allowed(self, name: str) -> bool:
        if name in ("letter", "invite"):
            return allowed(current_role(), "followups", "W")
        return super().is_action_allowed(name)

    # -- import ---------------------------------------------------------------------
    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        if not self.can_create:
            abort(403)
        if request.method == "POST":
            upload = request.files.get("file")
            if not upload or not upload.filename:
                flash(_("Choose a file to import."), "error")
            else:
                try:
                    rows = imports.read_table(upload.filename, upload.read())
                except imports.ImportFileError as error:
                    flash(str(error), "error")
                else:
                    batch = ImportBatch(
                        kind="customers", filename=upload.filename[:200],
                        user_id=current_user.id, rows=imports.check_rows(rows, IMPORT_CHOICES),
                    )
                    db.session.add(batch)
                    db.session.commit()
                    return redirect(self.get_url(".import_preview_view", id=batch.id))
        return self.render("archives/import.html", columns=imports.COLUMNS)

    @expose("/import/template.xlsx")
    def import_template_view(self):
        example = {
            "name": "王小明", "kind": str(KIND_LABELS["person"]), "mobile": "13812345678",
            "address": "广东省深圳市南山区科技园路 1 号",
            "preferred_channel": str(CHANNEL_LABELS["wechat"]), "contact_consent": "是",
            "plate_number": "粤B12345", "brand": "大众", "vehicle_model": "朗逸",
            "vehicle_kind": str(VEHICLE_KINDS["sedan"]), "purchase_date": "2023-05-01",
            "current_mileage": 23500,
        }
        return Response(
            imports.template_xlsx(example),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": content_disposition(_("Customer import") + ".xlsx")},
        )

    @expose("/import/preview/", methods=("GET", "POST"))
    def import_preview_view(self):
        if not self.can_create:
            abort(403)
        batch = db.session.get(ImportBatch, request.args.get("id", type=int) or 0)
        if batch is None or batch.user_id != current_user.id or batch.status != "preview":
            abort(404)
        if request.method == "POST":
            return self._import_batch(batch, only_valid=request.form.get("mode") == "valid")
        invalid = sum(1 for row in batch.rows if row["errors"])
        return self.render(
            "archives/import_preview.html", batch=batch, invalid=invalid,
            valid=len(batch.rows) - invalid,
        )

    def _import_batch(self, batch: ImportBatch, only_valid: bool):
        # Checked again: the archive may have changed since the preview.
        rows = imports.check_rows(
            [{"line": r["line"], "values": r["values"]} for r in batch.rows], IMPORT_CHOICES
        )
        invalid = sum(1 for row in rows if row["errors"])
        if invalid and not only_valid:
            batch.rows = rows
            db.session.commit()
            flash(_("Nothing was imported: %(n)d rows have errors. Correct the file and upload "
                    "it again, or import only the valid rows.", n=invalid), "error")
            return redirect(self.get_url(".import_preview_view", id=batch.id))
        with audit.acting_as(source="import"):
            customers, vehicles = imports.save_rows(rows)
            batch.rows, batch.status, batch.imported = rows, "imported", customers
            db.session.commit()
        flash(_("Imported %(customers)d customers and %(vehicles)d vehicles.",
                customers=customers, vehicles=vehicles), "success")
        return redirect(self.get_url(".index_view"))

    # -- archive page -----------------------------------------------------------------
    @expose("/archive/")
    def archive_view(self):
        customer = _customer_or_404()
        from .followups import customer_followups  # followups builds on this module

        return self.render(
            "archives/archive.html",
            vehicle_view=screen(VehicleAdmin),
            visit_view=screen(VisitAdmin),
            **archive_context(customer),
            **customer_followups(customer),
        )

    @expose("/archive/pdf/")
    def archive_pdf_view(self):
        customer = _customer_or_404()
        data = render_pdf("pdf/archive.html", **archive_context(customer))
        return pdf_response(data, _("Customer archive") + f"_{customer.name}.pdf")


def _customer_or_404() -> Customer:
    customer = db.session.get(Customer, request.args.get("id", type=int) or 0)
    if customer is None:
        abort(404)
    return customer


def archive_context(customer: Customer) -> dict:
    """What the archive page and its PDF show (客户档案基本资料表)."""
    visits = (
        db.session.query(Visit)
        .filter(Visit.customer_id == customer.id)
        .options(joinedload(Visit.vehicle), joinedload(Visit.advisor))
        .order_by(Visit.visited_at.desc())
        .all()
    )
    return {
        "customer": customer,
        "vehicles": customer.vehicles,
        "visits": visits,
        "latest": visits[0] if visits else None,
        "interval_visit": next(
            (v for v in visits if v.maintenance_interval_months or v.maintenance_interval_km), None
        ),
        "mobile": show_mobile(customer.mobile),
        "other_phone": show_mobile(customer.other_phone)
        if customer.other_phone and customer.other_phone.isdigit() else customer.other_phone,
        "kind_labels": KIND_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "visit_kind_labels": VISIT_KIND_LABELS,
        "vehicle_kinds": VEHICLE_KINDS,
        "status_labels": ARCHIVE_STATUS,
        "status_badges": _STATUS_BADGE,
        "printed_on": clock.today(),
    }


# -- vehicles ---------------------------------------------------------------------------

class VehicleAdmin(FreshFilterOptions, SecureModelView):
    area = "archives"
    column_list = (
        "plate_number", "owner", "brand", "vehicle_model", "vehicle_kind",
        "current_mileage", "next_maintenance_date", "vin",
    )
    column_details_list = (
        "plate_number", "owner", "vin", "brand", "vehicle_model", "vehicle_kind", "colour",
        "purchase_date", "registration_date", "current_mileage", "warranty_end_date",
        "warranty_end_km", "next_maintenance_date", "next_maintenance_km",
        "created_at", "updated_at",
    )
    column_export_list = column_details_list
    column_searchable_list = ("plate_number", "vin", "owner.name")
    column_sortable_list = ("plate_number", "next_maintenance_date")
    column_default_sort = ("id", True)
    column_labels = {
        "plate_number": _l("Plate number"),
        "owner": _l("Owner"),
        "customer_id": _l("Owner"),
        "owner.name": _l("Owner"),
        "vin": _l("VIN"),
        "brand": _l("Brand"),
        "vehicle_model": _l("Model"),
        "vehicle_kind": _l("Vehicle type"),
        "colour": _l("Colour"),
        "purchase_date": _l("Purchase date"),
        "registration_date": _l("Registration date"),
        "current_mileage": _l("Current mileage (km)"),
        "warranty_end_date": _l("Manufacturer warranty ends (date)"),
        "warranty_end_km": _l("Manufacturer warranty ends (km)"),
        "next_maintenance_date": _l("Next maintenance (date)"),
        "next_maintenance_km": _l("Next maintenance (km)"),
    }
    column_choices = {"vehicle_kind": list(VEHICLE_KINDS.items())}
    column_formatters = {
        "owner": lambda v, c, m, n: row_link("customer.archive_view", m.owner.name,
                                             id=m.customer_id),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {"owner": lambda v, c, m, n: m.owner.name}
    form_columns = (
        "owner", "plate_number", "vin", "brand", "vehicle_model", "vehicle_kind", "colour",
        "purchase_date", "registration_date", "current_mileage", "warranty_end_date",
        "warranty_end_km",
    )
    form_choices = column_choices
    form_args = {
        "owner": {"validators": [validators.InputRequired()]},
        "plate_number": {
            "validators": [validators.InputRequired(), Normalized(rules.normalize_plate)]
        },
        "vin": {"validators": [Normalized(rules.normalize_vin)]},
        "current_mileage": {"validators": [validators.Optional(), not_negative]},
        "warranty_end_km": {"validators": [validators.Optional(), not_negative]},
    }
    form_widget_args = {
        "plate_number": {"placeholder": "粤B12345", "autocapitalize": "characters",
                         "maxlength": 24},
        "vin": {"autocapitalize": "characters", "maxlength": 30},
    }
    form_ajax_refs = {"owner": customer_picker("owner")}
    column_filters = (
        filters.FilterEqual(
            Vehicle.vehicle_kind, _l("Vehicle type"), options=list(VEHICLE_KINDS.items())
        ),
        OptionFilter(
            Vehicle.next_maintenance_date, _l("Next maintenance"), MAINTENANCE_DUE,
            lambda value: _maintenance_due_clause(Vehicle.next_maintenance_date)(value),
        ),
        filters.FilterEqual(Vehicle.brand, _l("Brand")),
        ThroughFilter(Vehicle.customer_id, _l("Follow-up agent"), agent_options, _customers_of),
    )

    def create_form(self, obj=None):
        form = super().create_form(obj)
        owner_id = request.args.get("customer_id", type=int)
        if owner_id and request.method == "GET":
            form.owner.data = db.session.get(Customer, owner_id)
        return form

    def search_clause(self, text: str):
        return vehicle_search(text)

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if not valid or "plate_number" not in form:
            return valid
        for field, column, message in (
            (form.plate_number, Vehicle.plate_number,
             _("A vehicle with this plate number already exists:")),
            (form.vin, Vehicle.vin, _("A vehicle with this VIN already exists:")),
        ):
            existing = field.data and existing_record(Vehicle, column, field.data, editing_id())
            if existing:
                url = url_for("customer.archive_view", id=existing.customer_id)
                field.errors.append(duplicate_error(message, url, existing.plate_number))
                valid = False
        return valid


# -- visits -----------------------------------------------------------------------------

def _status_formatter(view, context, model, name):
    status = model.archive_status
    return Markup('<span class="badge badge-{}">{}</span>').format(
        _STATUS_BADGE[status], ARCHIVE_STATUS[status]
    )


def previous_mileage(visit: Visit) -> int | None:
    """The highest mileage recorded for the vehicle before this visit."""
    query = select(func.max(Visit.mileage)).where(
        Visit.vehicle_id == visit.vehicle.id, Visit.visited_at < visit.visited_at
    )
    if visit.id:
        query = query.where(Visit.id != visit.id)
    last = db.session.scalar(query)
    newer = select(Visit.id).where(
        Visit.vehicle_id == visit.vehicle.id, Visit.visited_at > visit.visited_at
    )
    if db.session.scalar(newer.limit(1)) is None:
        # The newest visit: the vehicle's recorded mileage counts too.
        readings = [m for m in (last, visit.vehicle.current_mileage) if m is not None]
        last = max(readings) if readings else None
    return last


VISIT_ARCHIVE_FILTER = OptionFilter(
    Visit.archived_at, _l("Archive status"), ARCHIVE_STATUS,
    lambda status: Visit.archive_status_clause(status, clock.today()),
)
VISIT_AGENT_FILTER = ThroughFilter(
    Visit.customer_id, _l("Follow-up agent"), agent_options, _customers_of
)


class VisitAdmin(FreshFilterOptions, SecureModelView):
    area = "archives"
    list_relations = ("archived_by",)
    column_list = (
        "visited_at", "vehicle", "customer", "kind", "advisor", "mileage",
        "archive_status", "archive_due_on", "next_maintenance_date",
    )
    column_details_list = (
        "visited_at", "vehicle", "customer", "kind", "mileage", "mileage_correction_reason",
        "service_items", "advisor", "completed_at", "maintenance_interval_months",
        "maintenance_interval_km", "next_maintenance_date", "next_maintenance_km",
        "archive_status", "archive_due_on", "archived_at", "archived_by",
        "created_at", "updated_at",
    )
    column_export_list = column_details_list
    column_searchable_list = ("vehicle.plate_number", "customer.name", "customer.mobile")
    column_sortable_list = ("visited_at", "archive_due_on")
    column_default_sort = ("visited_at", True)
    column_labels = {
        "visited_at": _l("Visit date"),
        "vehicle": _l("Vehicle"),
        "vehicle_id": _l("Vehicle"),
        "vehicle.plate_number": _l("Plate number"),
        "customer": _l("Customer"),
        "customer_id": _l("Customer"),
        "customer.name": _l("Customer name"),
        "customer.mobile": _l("Mobile"),
        "kind": _l("Visit type"),
        "mileage": _l("Mileage (km)"),
        "mileage_correction_reason": _l("Reason for a lower mileage"),
        "service_items": _l("Repair and maintenance items"),
        "advisor": _l("Service advisor"),
        "advisor_id": _l("Service advisor"),
        "completed_at": _l("Completed"),
        "maintenance_interval_months": _l("Maintenance interval (months)"),
        "maintenance_interval_km": _l("Maintenance interval (km)"),
        "next_maintenance_date": _l("Next maintenance (date)"),
        "next_maintenance_km": _l("Next maintenance (km)"),
        "archive_status": _l("Archive status"),
        "archive_due_on": _l("Archive due"),
        "archived_at": _l("Archived"),
        "archived_on": _l("Archived on"),
        "archived_by": _l("Archived by"),
        "archived_by_id": _l("Archived by"),
    }
    column_choices = {"kind": list(VISIT_KIND_LABELS.items())}
    column_formatters = {
        "archive_status": _status_formatter,
        "customer": lambda v, c, m, n: row_link("customer.archive_view", m.customer.name,
                                                id=m.customer_id),
        "advisor": lambda v, c, m, n: m.advisor.display_name if m.advisor else "",
        "archived_by": lambda v, c, m, n: m.archived_by.display_name if m.archived_by else "",
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "archive_status": lambda v, c, m, n: str(ARCHIVE_STATUS[m.archive_status]),
        "customer": lambda v, c, m, n: m.customer.name,
        "advisor": column_formatters["advisor"],
        "archived_by": column_formatters["archived_by"],
    }
    form_columns = (
        "vehicle", "customer", "kind", "visited_at", "mileage", "mileage_correction_reason",
        "service_items", "advisor", "completed_at", "maintenance_interval_months",
        "maintenance_interval_km", "next_maintenance_date", "next_maintenance_km",
    )
    form_choices = column_choices
    form_args = {
        "vehicle": {"validators": [validators.InputRequired()]},
        "customer": {
            "validators": [validators.Optional()],
            "description": _l("Leave empty for the vehicle's owner."),
        },
        "visited_at": {"validators": [validators.InputRequired(), not_in_future],
                       "default": clock.now},
        "completed_at": {"validators": [validators.Optional(), not_in_future, not_before(
            "visited_at", _l("The work cannot be completed before the visit."))]},
        "mileage": {"validators": [validators.Optional(), not_negative]},
        "maintenance_interval_months": {
            "validators": [validators.Optional(), validators.NumberRange(min=1, max=120)]
        },
        "maintenance_interval_km": {
            "validators": [validators.Optional(), validators.NumberRange(min=500, max=200000)]
        },
        "next_maintenance_date": {
            "description": _l("Computed from the interval when left empty."),
            "validators": [validators.Optional(), not_before(
                "visited_at", _l("The next maintenance cannot be before the visit."))],
        },
        "advisor": {"query_factory": lambda: users_with_role("service_advisor")},
    }
    form_ajax_refs = {"vehicle": vehicle_picker(), "customer": customer_picker()}
    column_filters = (
        VISIT_ARCHIVE_FILTER,
        filters.FilterEqual(
            Visit.kind, _l("Visit type"), options=list(VISIT_KIND_LABELS.items())
        ),
        filters.DateBetweenFilter(Visit.archive_due_on, _l("Archive due")),
        filters.DateTimeBetweenFilter(Visit.visited_at, _l("Visit date")),
        filters.IntEqualFilter(
            Visit.advisor_id, _l("Service advisor"), options=fresh_options(advisor_options)
        ),
        VISIT_AGENT_FILTER,
        ThroughFilter(
            Visit.vehicle_id, _l("Vehicle type"), VEHICLE_KINDS,
            lambda kind: select(Vehicle.id).where(Vehicle.vehicle_kind == kind),
        ),
    )

    def search_clause(self, text: str):
        return visit_search(text)

    def on_model_change(self, form, model, is_created) -> None:
        # The new visit is in the session already: no flush before it is complete.
        with db.session.no_autoflush:
            self._complete_visit(model)
            completed = inspect(model).attrs.completed_at.history
            if is_created or completed.added:  # completed, or its time corrected
                followups.plan_first_call(model)  # completing a visit plans its first call

    def _complete_visit(self, model: Visit) -> None:
        if model.customer is None:
            model.customer = model.vehicle.owner
        problem = rules.mileage_problem(
            model.mileage, previous_mileage(model), model.mileage_correction_reason
        )
        if problem:
            raise ValidationError(problem)
        if model.next_maintenance_date is None or model.next_maintenance_km is None:
            done_on = clock.local_date(model.completed_at or model.visited_at)
            due_date, due_km = rules.next_maintenance_due(
                done_on, model.mileage,
                model.maintenance_interval_months, model.maintenance_interval_km,
            )
            model.next_maintenance_date = model.next_maintenance_date or due_date
            model.next_maintenance_km = model.next_maintenance_km or due_km
        newest = db.session.scalar(
            select(func.max(Visit.visited_at)).where(
                Visit.vehicle_id == model.vehicle.id, Visit.id != (model.id or 0)
            )
        )
        if newest is None or clock.aware(model.visited_at) >= newest:
            model.record_on_vehicle()

    @action("archive", _l("Mark archived"), _l("Mark the selected visits as archived?"))
    def action_archive(self, ids) -> None:
        now = clock.now()
        rows = [row for row in self._rows(ids) if row.archived_at is None]
        for row in rows:
            row.archived_at = now
            row.archived_by_id = current_user.id
        self._commit_action(ngettext(
            "Visit marked archived.", "%(count)s visits marked archived.",
            len(rows), count=len(rows),
        ))

    def is_action_allowed(self, name: str) -> bool:
        if name == "archive":
            return self.can_edit
        return super().is_action_allowed(name)



# -- home page --------------------------------------------------------------------------

@due_items("archives")
def overdue_archives(user) -> list[DueItem]:
    """Visits whose archive is past the 2-day rule: agents see theirs, the supervisor all."""
    if user.role not in ("followup_agent", "supervisor", "admin"):
        return []
    overdue = Visit.archive_status_clause("overdue", clock.today())
    query = select(func.count()).select_from(Visit).where(overdue)
    wanted = [(VISIT_ARCHIVE_FILTER, "overdue")]
    if user.role == "followup_agent":
        query = query.where(Visit.customer_id.in_(_customers_of(user.id)))
        wanted.append((VISIT_AGENT_FILTER, str(user.id)))
    count = db.session.scalar(query)
    if not count:
        return []
    visits = screen(VisitAdmin)
    return [DueItem(_("Archives overdue (2-day rule)"), count, visits.list_url(*wanted), "danger")]
