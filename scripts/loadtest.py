"""The load test: many people saving at once through the real screens, over HTTP, against
gunicorn with production settings; afterwards every acknowledged save is looked up in the
database, with its audit row.

    ./dev.sh loadtest                                   # a fresh temporary SQLite file
    ./dev.sh loadtest --database-url postgresql://postgres@127.0.0.1:5432/test --users 20

On PostgreSQL it works in a schema of its own in that database, dropped at the end. Each
user (a follow-up agent and a safety officer, signed in) loops: record an incoming call,
edit a call, record a visit, report a hazard, edit a hazard, with the forms' CSRF tokens
and version fields as the browser sends them. A save refused because someone else saved
the record first (此记录已被他人修改) is a correct answer, counted apart. It fails on any
5xx, on any other refused save, on an acknowledged save missing from the database, and on
an audit trail that does not have exactly one row per acknowledged save.
"""
import argparse
import html
import http.client
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmark  # noqa: E402  (the gunicorn server and the signed-in HTTP client)

ROOT = benchmark.ROOT
WORKERS = 4  # sync workers, as in production (README: about 2 × cores)
STALE = "此记录已被他人修改"  # views/base.py STALE_MESSAGE, as the Chinese screens say it
EDITS_AMONG = 8  # an edit picks one of the last records created: people collide
LOST = (OSError, http.client.HTTPException)  # no answer: refused, reset, cut short


# -- the database ----------------------------------------------------------------------------

@contextmanager
def fresh_database(url: str | None):
    """The URL of a new, empty database: a temporary SQLite file, or a schema of its own in
    the PostgreSQL database `url` (dropped afterwards; nothing else is touched)."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
            yield f"sqlite:///{Path(folder) / 'loadtest.sqlite3'}"
        return
    base = benchmark.normalized(url)
    schema = f"loadtest_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


@dataclass
class Account:
    agent: str
    officer: str
    vehicle_id: int
    customer_id: int


def prepare(url: str, users: int) -> list[Account]:
    """Migrate the database; per user a follow-up agent, a safety officer and a customer
    with a vehicle of their own (two visits to one car at once would be refused for a
    good reason: the mileage)."""
    from flask_migrate import upgrade

    from backoffice import audit, create_app, demo
    from backoffice.auth import create_user
    from backoffice.extensions import db
    from backoffice.models import Customer, Vehicle

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context(), audit.acting_as(source="cli", username="loadtest"):
        upgrade()
        create_user("loadtest_advisor", "service_advisor", benchmark.PASSWORD)
        accounts_users = []
        for n in range(users):
            create_user(f"lt_agent{n}", "followup_agent", benchmark.PASSWORD)
            create_user(f"lt_safety{n}", "safety_officer", benchmark.PASSWORD)
            accounts_users.append((f"lt_agent{n}", f"lt_safety{n}"))
        db.session.flush()
        demo.seed_archives(customers=users)
        db.session.commit()
        vehicles = db.session.scalars(sa.select(Vehicle).order_by(Vehicle.id)).all()
        owners = {}
        for vehicle in vehicles:
            owners.setdefault(vehicle.customer_id, vehicle)
        cars = list(owners.values())
        customers = db.session.scalars(sa.select(Customer.id)).all()
        if len(cars) < users:
            raise SystemExit(f"the demo archive has {len(cars)} car owners, {users} needed")
        accounts = [Account(agent, officer, cars[n].id, customers[n % len(customers)])
                    for n, (agent, officer) in enumerate(accounts_users)]
        db.session.remove()
        db.engine.dispose()
    return accounts


# -- the browser's side ----------------------------------------------------------------------

class FormParser(HTMLParser):
    """The fields of Flask-Admin's form (class admin-form) as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[list] = []  # [name, value]
        self.inside = False
        self.textarea = self.select = None
        self.select_first = None
        self.select_chosen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self.inside = True
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self.textarea = [a["name"], ""]
            self.fields.append(self.textarea)
        elif tag == "select":
            self.select, self.select_first, self.select_chosen = a["name"], None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.fields.append([self.select, value])
                self.select_chosen = True

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.textarea is not None:  # browsers drop the newline after <textarea>
                self.textarea[1] = re.sub(r"^\r?\n", "", self.textarea[1])
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self.fields.append([self.select, self.select_first])
            self.select = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_of(page: bytes) -> list[list]:
    parser = FormParser()
    parser.feed(page.decode("utf-8", "replace"))
    return parser.fields


def filled(fields: list[list], **values) -> list[tuple]:
    """The form's fields with `values` set (a list value: one field per item)."""
    out = [(name, value) for name, value in fields if name not in values]
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((name, item))
    return out


@dataclass
class Ledger:
    """What the users did and what the server acknowledged; shared by every thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    # (table, id, column, marker) of every create acknowledged by a redirect
    creates: list = field(default_factory=list)
    # (table, id, column, marker, version sent) of every edit acknowledged
    edits: list = field(default_factory=list)
    # saves whose answer never came (connection lost): they may or may not be saved
    unknown: list = field(default_factory=list)
    stale: int = 0
    refused: list = field(default_factory=list)  # other refused saves: (what, message)
    connection_errors: int = 0
    recent: dict = field(default_factory=dict)  # table -> ids created, for the edits

    @property
    def writes(self) -> int:
        return len(self.creates) + len(self.edits)

    @property
    def statuses_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


class User:
    """One person at the service desk: two signed-in browsers (agent, safety officer)."""

    def __init__(self, port: int, account: Account, number: int, ledger: Ledger):
        self.agent = benchmark.Browser(port, account.agent)
        self.officer = benchmark.Browser(port, account.officer)
        self.account, self.number, self.ledger = account, number, ledger
        self.count = 0
        self.mileage = 300_000

    def marker(self, what: str) -> str:
        self.count += 1
        return f"LT-{what}-{self.number}-{self.count}-{secrets.token_hex(3)}"

    def request(self, browser, method: str, path: str, form=None) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            status, body = browser.request(method, path, form)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            with self.ledger.lock:
                self.ledger.requests += 1
                self.ledger.latencies.append(elapsed)
        with self.ledger.lock:
            self.ledger.statuses[status] += 1
        return status, body

    def page(self, browser, path: str) -> list[list] | None:
        status, body = self.request(browser, "GET", path)
        return form_of(body) if status == 200 else None

    def save(self, browser, path: str, form, what: str, table: str, column: str,
             marker: str, version: int | None = None) -> int | None:
        """POST the form; the saved record's id when acknowledged."""
        record_id = None
        if version is not None:
            record_id = int(re.search(r"id=(\d+)", path).group(1))
        try:
            status, body = self.request(browser, "POST", path, form)
        except LOST:
            with self.ledger.lock:
                self.ledger.connection_errors += 1
                self.ledger.unknown.append((table, record_id, column, marker, version))
            raise
        if status == 302:
            if version is None:
                found = re.search(r"[?&]id=(\d+)", browser.location or "")
                if not found:
                    with self.ledger.lock:
                        self.ledger.refused.append((what, f"redirect to {browser.location}"))
                    return None
                record_id = int(found.group(1))
                with self.ledger.lock:
                    self.ledger.creates.append((table, record_id, column, marker))
                    self.ledger.recent.setdefault(table, []).append(record_id)
            else:
                with self.ledger.lock:
                    self.ledger.edits.append((table, record_id, column, marker, version))
            return record_id
        text = body.decode("utf-8", "replace")
        with self.ledger.lock:
            if status == 200 and STALE in text:
                self.ledger.stale += 1
            elif status < 500:
                errors = re.findall(r'class="[^"]*(?:alert-danger|help-block|invalid-feedback)'
                                    r'[^"]*"[^>]*>(.*?)<', text, re.S)
                message = "; ".join(html.unescape(e).strip() for e in errors if e.strip())
                self.ledger.refused.append((what, f"HTTP {status}: {message[:200]}"))
        return None

    # -- the five steps ------------------------------------------------------------------
    def create_call(self) -> None:
        fields = self.page(self.agent, "/admin/follow_up_call/new/")
        if fields is None:
            return
        marker = self.marker("call")
        form = filled(fields, customer=str(self.account.customer_id), kind="inquiry",
                      direction="in", reached="yes", key_points=marker,
                      requests="问保养价格", answered="y", answer="小保养 480 元",
                      satisfaction="satisfied", close_reason="")
        self.save(self.agent, "/admin/follow_up_call/new/", form, "create call",
                  "follow_up_call", "key_points", marker)

    def edit(self, browser, table: str, column: str, what: str) -> None:
        with self.ledger.lock:
            ids = self.ledger.recent.get(table, [])[-EDITS_AMONG:]
        if not ids:
            return
        record_id = secrets.choice(ids)
        path = f"/admin/{table}/edit/?id={record_id}"
        fields = self.page(browser, path)
        if fields is None:
            return
        version = next((int(v) for n, v in fields if n == "version" and v.isdigit()), None)
        if version is None:
            with self.ledger.lock:
                self.ledger.refused.append((what, "no version field in the edit form"))
            return
        marker = self.marker(what.split()[-1])
        self.save(browser, path, filled(fields, **{column: marker}), what, table, column,
                  marker, version)

    def create_visit(self) -> None:
        fields = self.page(self.agent, "/admin/visit/new/")
        if fields is None:
            return
        marker = self.marker("visit")
        self.mileage += 10
        form = filled(fields, vehicle=str(self.account.vehicle_id), kind="maintenance",
                      mileage=str(self.mileage), service_items=marker,
                      maintenance_interval_months="6", maintenance_interval_km="5000",
                      _continue_editing="1")
        self.save(self.agent, "/admin/visit/new/", form, "create visit", "visit",
                  "service_items", marker)

    def create_hazard(self) -> None:
        fields = self.page(self.officer, "/admin/hazard/new/")
        if fields is None:
            return
        marker = self.marker("hazard")
        form = filled(fields, description=marker, area="workshop", level="general",
                      _continue_editing="1")
        self.save(self.officer, "/admin/hazard/new/", form, "create hazard", "hazard",
                  "description", marker)

    def loop(self, deadline: float, stop: threading.Event) -> None:
        steps = (
            self.create_call,
            lambda: self.edit(self.agent, "follow_up_call", "answer", "edit call"),
            self.create_visit,
            self.create_hazard,
            lambda: self.edit(self.officer, "hazard", "measures", "edit hazard"),
        )
        while time.monotonic() < deadline and not stop.is_set():
            for step in steps:
                if time.monotonic() >= deadline or stop.is_set():
                    return
                try:
                    step()
                except LOST:  # the server is gone (the crash test): try again later
                    stop.wait(0.2)


def run_load(port: int, accounts: list[Account], seconds: float,
             stop: threading.Event | None = None, ledger: Ledger | None = None) -> Ledger:
    """Every account's user looping over the five steps for `seconds` (or until `stop`)."""
    ledger = ledger or Ledger()
    stop = stop or threading.Event()
    users = [User(port, account, n, ledger) for n, account in enumerate(accounts)]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=user.loop, args=(deadline, stop)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ledger


# -- the check -------------------------------------------------------------------------------

@dataclass
class Verdict:
    missing: list = field(default_factory=list)  # acknowledged saves not found
    audit: list = field(default_factory=list)  # audit rows not one per acknowledged save

    def fails(self, ledger: Ledger) -> list[str]:
        problems = []
        if ledger.statuses_5xx:
            problems.append(f"{ledger.statuses_5xx} responses 5xx")
        if ledger.refused:
            problems.append(f"{len(ledger.refused)} saves refused: {ledger.refused[:3]}")
        if self.missing:
            problems.append(f"{len(self.missing)} acknowledged saves missing: {self.missing[:3]}")
        if self.audit:
            problems.append(f"{len(self.audit)} audit mismatches: {self.audit[:3]}")
        if not ledger.writes:
            problems.append("no save was acknowledged")
        return problems


def verify(url: str, ledger: Ledger) -> Verdict:
    """Every acknowledged create is there with its marker; every acknowledged edit's value is
    there unless a later save overwrote it; one audit row per acknowledged save."""
    verdict = Verdict()
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    audit = sa.Table("audit_log", meta, autoload_with=engine)
    tables = {t: sa.Table(t, meta, autoload_with=engine)
              for t in {c[0] for c in ledger.creates} | {e[0] for e in ledger.edits}}
    with engine.connect() as conn:
        rows = {}
        for name, table in tables.items():
            ids = {c[1] for c in ledger.creates if c[0] == name} | {
                e[1] for e in ledger.edits if e[0] == name}
            for row in conn.execute(sa.select(table).where(table.c.id.in_(ids))):
                rows[name, row.id] = row._mapping
        trail: dict = {}
        for row in conn.execute(sa.select(audit.c.model, audit.c.record_id, audit.c.action,
                                          audit.c.changes).where(audit.c.model.in_(tables))):
            trail.setdefault((row.model, row.record_id), []).append((row.action, row.changes))
    engine.dispose()

    for table, record_id, column, marker in ledger.creates:
        row = rows.get((table, record_id))
        if row is None or row[column] != marker:
            verdict.missing.append(("create", table, record_id, marker))
        created = [a for a, _c in trail.get((table, str(record_id)), []) if a == "create"]
        if len(created) != 1:
            verdict.audit.append(("create", table, record_id, len(created)))

    unknown = {(t, i): [] for t, i, *_rest in ledger.unknown if i is not None}
    for t, i, column, marker, version in ledger.unknown:
        if i is not None:
            unknown[t, i].append((column, marker, version))
    by_record: dict = {}
    for table, record_id, column, marker, version in ledger.edits:
        by_record.setdefault((table, record_id), []).append((version, column, marker))
    for (table, record_id), edits in by_record.items():
        edits.sort()
        versions = [v for v, _c, _m in edits]
        if len(set(versions)) != len(versions):  # two saves over one version: one is lost
            verdict.missing.append(("edit over the same version", table, record_id, versions))
        row = rows.get((table, record_id))
        last_version, column, marker = edits[-1]
        if row is None:
            verdict.missing.append(("edit", table, record_id, marker))
        elif row["version"] == last_version + 1:
            if row[column] != marker:
                verdict.missing.append(("edit", table, record_id, marker))
        elif row["version"] <= last_version or row[column] not in {
                m for _c, m, v in unknown.get((table, record_id), []) if v > last_version}:
            # newer than the last acknowledged edit only by a save whose answer was lost
            verdict.missing.append(("edit", table, record_id, marker))
        updates = [c for a, c in trail.get((table, str(record_id)), []) if a == "update"]
        maybe = len(unknown.get((table, record_id), []))
        if not len(edits) <= len(updates) <= len(edits) + maybe:
            verdict.audit.append(("updates", table, record_id, len(edits), len(updates)))
        for _version, column, marker in edits:
            rows_for = [c for c in updates if (c.get(column) or [None, None])[1] == marker]
            if len(rows_for) != 1:
                verdict.audit.append(("edit", table, record_id, marker, len(rows_for)))
    return verdict


# -- the report ------------------------------------------------------------------------------

def percentile(values: list, share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def summary(ledger: Ledger, verdict: Verdict, users: int, seconds: float,
            backend: str) -> str:
    lines = [
        f"Load test: {backend}, {users} users x {seconds:.0f} s, gunicorn {WORKERS} sync workers",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| requests | {ledger.requests} ({ledger.requests / seconds:.1f}/s) |",
        f"| writes acknowledged | {ledger.writes} ({len(ledger.creates)} creates, "
        f"{len(ledger.edits)} edits) |",
        f"| latency p50 / p95 | {statistics.median(ledger.latencies or [0]):.0f} ms / "
        f"{percentile(ledger.latencies, 0.95):.0f} ms |",
        f"| 5xx responses | {ledger.statuses_5xx} |",
        f"| stale refusals (correct) | {ledger.stale} |",
        f"| other refusals | {len(ledger.refused)} |",
        f"| connection errors | {ledger.connection_errors} |",
        f"| missing writes | {len(verdict.missing)} |",
        f"| audit mismatches | {len(verdict.audit)} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL: a schema of its own in this "
                        "database, dropped afterwards; default: a temporary SQLite file")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 3600:
        parser.error("--users 1 to 200, --seconds 1 to 3600")
    with fresh_database(args.database_url) as url:
        backend = sa.make_url(url).get_backend_name()
        print(f"preparing a fresh {backend} database ...", flush=True)
        accounts = prepare(url, args.users)
        env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
                            "PYTHONPATH": str(ROOT)}
        server = benchmark.Server(env, stock=False, workers=WORKERS)
        try:
            print(f"{args.users} users for {args.seconds:.0f} s ...", flush=True)
            ledger = run_load(server.port, accounts, args.seconds)
        finally:
            server.stop()
        verdict = verify(url, ledger)
    print(summary(ledger, verdict, args.users, args.seconds, backend))
    problems = verdict.fails(ledger)
    for problem in problems:
        print(f"FAILED: {problem}")
    if not problems:
        print("passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
