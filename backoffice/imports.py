"""Importing customers with their vehicles from xlsx or csv: read, check, save.

Reading and checking never write; saving happens in one transaction, attributed to
the importing user with source "import" in the audit trail, and only for rows that
passed every check.
"""
import csv
import io
import re
import zipfile
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import rules
from .extensions import db
from .formatting import listing
from .models import Customer, Vehicle

# (field, label, kind): the spreadsheet's columns, matched by English or Chinese header.
COLUMNS = (
    ("name", _l("Customer name"), "text"),
    ("kind", _l("Customer type"), "choice"),
    ("mobile", _l("Mobile"), "text"),
    ("other_phone", _l("Other phone"), "text"),
    ("address", _l("Address"), "text"),
    ("preferred_channel", _l("Preferred channel"), "choice"),
    ("contact_consent", _l("Agrees to be contacted"), "bool"),
    ("wished_services", _l("Services the customer would like"), "text"),
    ("notes", _l("Notes"), "text"),
    ("plate_number", _l("Plate number"), "text"),
    ("vin", _l("VIN"), "text"),
    ("brand", _l("Brand"), "text"),
    ("vehicle_model", _l("Model"), "text"),
    ("vehicle_kind", _l("Vehicle type"), "choice"),
    ("colour", _l("Colour"), "text"),
    ("purchase_date", _l("Purchase date"), "date"),
    ("registration_date", _l("Registration date"), "date"),
    ("current_mileage", _l("Current mileage (km)"), "int"),
)
CUSTOMER_FIELDS = (
    "name", "kind", "mobile", "other_phone", "address", "preferred_channel",
    "contact_consent", "wished_services", "notes",
)
VEHICLE_FIELDS = (
    "plate_number", "vin", "brand", "vehicle_model", "vehicle_kind", "colour",
    "purchase_date", "registration_date", "current_mileage",
)
MAX_LENGTHS = {
    "name": 100, "address": 200, "brand": 50, "vehicle_model": 100, "colour": 30,
}
_TRUE = {"是", "y", "yes", "true", "1", "同意", "√"}
_FALSE = {"否", "n", "no", "false", "0", "不同意", "×"}
MAX_ROWS = 20000


class ImportFileError(ValueError):
    """The file cannot be read as a table (its reason is for the user)."""


def _label_variants(label) -> set[str]:
    """A header as it may be written: the English label and the Chinese one."""
    variants = set()
    for locale in ("en", "zh_Hans_CN"):
        with force_locale(locale):
            variants.add(_normal_header(str(label)))
    return variants


def _normal_header(text: str) -> str:
    return re.sub(r"[\s（）()*:：]", "", str(text)).lower()


def header_map(headers: list) -> dict[int, str]:
    """Which column of the file holds which field (unknown columns are ignored)."""
    known = {}
    for field, label, _kind in COLUMNS:
        for variant in _label_variants(label) | {field}:
            known[variant] = field
    return {
        index: known[_normal_header(cell)]
        for index, cell in enumerate(headers)
        if cell is not None and _normal_header(cell) in known
    }


def read_table(filename: str, data: bytes) -> list[dict]:
    """The rows of an xlsx or csv file as {"line": n, "values": {field: raw}}.

    The kind of file is told by its content, not its name.
    """
    rows = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    rows = [row for row in rows if any(cell not in (None, "") for cell in row[1])]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    (_line, headers), *body = rows
    columns = header_map(headers)
    if "name" not in columns.values():
        raise ImportFileError(
            _("The first row must name the columns; a \"%(name)s\" column is needed.",
              name=_("Customer name"))
        )
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("At most %(n)d rows can be imported at once.", n=MAX_ROWS))
    return [
        {"line": line, "values": {
            field: cells[index] if index < len(cells) else None
            for index, field in columns.items()
        }}
        for line, cells in body
    ]


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook  # here: 5 MB more of every worker otherwise

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("This is not an Excel (xlsx) file that can be read.")) from error
    sheet = workbook.worksheets[0]
    return [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("This file is neither an xlsx file nor a CSV text file."))
    if "\x00" in text:
        raise ImportFileError(_("This file is neither an xlsx file nor a CSV text file."))
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


# -- checking ------------------------------------------------------------------------------

def _text(raw) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a mobile typed into Excel comes back as 13812345678.0
    text = str(raw).strip()
    return text or None


def _date(raw) -> str | None:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = _text(raw)
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    if _DATE_SHAPE.fullmatch(text):  # written right, but no such day (2023-02-30)
        raise ValueError(_("There is no such day: %(text)s.", text=text))
    raise ValueError(_("Write dates as 2026-11-27."))


_DATE_SHAPE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?")


def _int(raw) -> int | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        value = int(float(text.replace(",", "").replace("，", "")))
    except ValueError as error:
        raise ValueError(_("Expected a whole number.")) from error
    if value < 0:
        raise ValueError(_("Cannot be negative."))
    return value


def _bool(raw) -> bool | None:
    text = _text(raw)
    if text is None:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(_("Write 是 or 否."))


def _choice(raw, options: dict) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    for key, label in options.items():
        if _normal_header(text) in {key, *_label_variants(label)}:
            return key
    raise ValueError(
        _("Use one of: %(options)s.", options=listing(str(label) for label in options.values()))
    )


def field_error(label, problem: str) -> str:
    return _("%(field)s: %(problem)s", field=label, problem=problem)


def check_rows(rows: list[dict], choices: dict[str, dict]) -> list[dict]:
    """Each row with its values normalized and its errors listed (none when valid).

    `choices`: the options of each choice column ({"kind": {"person": label, ...}}).
    Duplicates are looked for in the database (deleted records too) and in the file.
    """
    checked = [_check_row(row, choices) for row in rows]
    _mark_duplicates(checked)
    return checked


def _check_row(row: dict, choices: dict) -> dict:
    raw, values, errors = row["values"], {}, []
    labels = {field: label for field, label, _kind in COLUMNS}

    def fail(field: str, message: str) -> None:
        errors.append(field_error(labels[field], message))

    for field, _label, kind in COLUMNS:
        try:
            if kind == "date":
                values[field] = _date(raw.get(field))
            elif kind == "int":
                values[field] = _int(raw.get(field))
            elif kind == "bool":
                values[field] = _bool(raw.get(field))
            elif kind == "choice":
                values[field] = _choice(raw.get(field), choices[field])
            else:
                values[field] = _text(raw.get(field))
        except ValueError as error:
            values[field] = _text(raw.get(field))
            fail(field, str(error))
    for field, normalize in (
        ("mobile", rules.normalize_mobile), ("other_phone", rules.normalize_phone),
        ("plate_number", rules.normalize_plate), ("vin", rules.normalize_vin),
    ):
        if values[field]:
            try:
                values[field] = normalize(values[field])
            except ValueError as error:
                fail(field, str(error))
    if not values["name"]:
        fail("name", _("Required."))
    if not values["mobile"] and not values["other_phone"]:
        fail("mobile", _("A mobile or another phone number is needed."))
    if not values["plate_number"] and any(values[f] for f in VEHICLE_FIELDS):
        fail("plate_number", _("A vehicle needs its plate number."))
    for field, limit in MAX_LENGTHS.items():
        if values[field] and len(values[field]) > limit:
            fail(field, _("At most %(n)d characters.", n=limit))
    return {"line": row["line"], "values": values, "errors": errors}


def _mark_duplicates(rows: list[dict]) -> None:
    def existing(column, values) -> set:
        values = [v for v in values if v]
        if not values:
            return set()
        query = select(column).where(column.in_(values)).execution_options(include_deleted=True)
        return set(db.session.scalars(query))

    in_db = {
        "mobile": existing(Customer.mobile, [r["values"]["mobile"] for r in rows]),
        "plate_number": existing(Vehicle.plate_number, [r["values"]["plate_number"] for r in rows]),
        "vin": existing(Vehicle.vin, [r["values"]["vin"] for r in rows]),
    }
    labels = {field: label for field, label, _kind in COLUMNS}
    seen: dict[str, dict] = {"plate_number": {}, "vin": {}}
    names_by_mobile: dict[str, str] = {}
    for row in rows:
        values = row["values"]
        for field, taken in in_db.items():
            if values[field] in taken:
                row["errors"].append(field_error(labels[field], _("already in the archive.")))
        for field, first in seen.items():
            value = values[field]
            if value and value in first:
                row["errors"].append(
                    field_error(labels[field], _("also on line %(line)d.", line=first[value]))
                )
            elif value:
                first[value] = row["line"]
        mobile = values["mobile"]
        if mobile and names_by_mobile.setdefault(mobile, values["name"]) != values["name"]:
            row["errors"].append(field_error(
                labels["mobile"], _("the same mobile number with another customer name.")
            ))


# -- saving -------------------------------------------------------------------------------

def save_rows(rows: list[dict]) -> tuple[int, int]:
    """Create the customers and vehicles of valid rows; rows sharing a mobile number are
    one customer with several vehicles. Returns (customers, vehicles) created."""
    customers: dict[str, Customer] = {}
    created_customers = created_vehicles = 0
    for row in rows:
        if row["errors"]:
            continue
        values = row["values"]
        customer = customers.get(values["mobile"]) if values["mobile"] else None
        if customer is None:
            fields = {f: values[f] for f in CUSTOMER_FIELDS if values[f] is not None}
            customer = Customer(**fields)
            db.session.add(customer)
            created_customers += 1
            if values["mobile"]:
                customers[values["mobile"]] = customer
        if values["plate_number"]:
            fields = {f: values[f] for f in VEHICLE_FIELDS if values[f] is not None}
            for field in ("purchase_date", "registration_date"):
                if fields.get(field):
                    fields[field] = date.fromisoformat(fields[field])
            db.session.add(Vehicle(owner=customer, **fields))
            created_vehicles += 1
    return created_customers, created_vehicles


def template_xlsx(example: dict) -> bytes:
    """An empty import sheet with the headers in the user's language and one example."""
    from openpyxl import Workbook  # here: 5 MB more of every worker otherwise

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Customers")
    sheet.append([str(label) for _field, label, _kind in COLUMNS])
    sheet.append([example.get(field) for field, _label, _kind in COLUMNS])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
