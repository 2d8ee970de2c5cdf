"""The benchmark (issue 8): the app under gunicorn, at a dealer group's scale, measured
over real HTTP, signed in; and the same pages with stock Flask-Admin lists (an exact
count on every page, LIKE '%x%' search) as the baseline, in the same run.

    ./dev.sh benchmark                     # SQLite, instance/benchmark.sqlite3
    ./dev.sh benchmark --database-url postgresql://postgres@127.0.0.1:5432/bench

The first run writes the data (seed-demo --scale large: about 3.5 million rows, some
minutes); later runs reuse it. Results go to BENCHMARKS.md (or --out). Not part of the
test suite: its guards (bounded queries, indexes, streamed exports) are tests/test_scale.py.
"""
import argparse
import html
import http.client
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess  # nosec B404  # runs our own flask and gunicorn commands
import sys
import threading
import time
import urllib.parse
from datetime import date
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the app itself, to build its list URLs
# New for every run (set on the demo accounts by prepare()), so no password sits in the code.
PASSWORD = secrets.token_urlsafe(16)
ROLE_USERS = {  # demo usernames (demo.DEMO_USERS) per role
    "supervisor": "supervisor", "followup_agent": "agent1", "service_advisor": "advisor1",
    "safety_officer": "safety", "trainer": "trainer", "manager": "manager",
}

# p50 targets on a 2-core machine with SQLite, in ms, and how many times faster than
# the stock baseline (issue 8). PostgreSQL: within 3× the SQLite figure.
TARGETS = {"list": 20, "search": 20, "deep": 30, "archive": 30, "home": 50, "pdf": 120,
           "export": 3000}
SPEED_UPS = {"list": 3, "search": 7, "deep": 10}
POSTGRESQL_SLACK = 3


# -- the server ------------------------------------------------------------------------------

def flask(env: dict, *args: str, check: bool = True,
          quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  # nosec B603  # our own command, our arguments
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
        check=check, capture_output=quiet, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers (or `workers`) and production settings, on a free
    local port."""

    def __init__(self, env: dict, stock: bool, workers: int = 2):
        self.port = free_port()
        env = env | {"BACKOFFICE_STOCK_LISTS": "1" if stock else "0"}
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603  # our own command
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def peak_memory_mb(self) -> float:
        """The largest peak resident size (VmHWM) of the workers."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# -- the client ------------------------------------------------------------------------------

class Browser:
    """A signed-in HTTP client: a cookie jar over http.client (one connection each time,
    as gunicorn's sync workers close them)."""

    def __init__(self, port: int, username: str):
        self.port, self.cookies = port, {}
        self.location = None  # the Location header of the last response
        page = self.get("/login").decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.request("POST", "/login", {"username": username, "password": PASSWORD,
                                        "csrf_token": html.unescape(token)})
        if "session" not in self.cookies:
            raise SystemExit(f"could not sign in as {username}")

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        data = response.read()
        self.location = response.getheader("Location")
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data

    def get(self, path: str) -> bytes:
        status, data = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status}")
        return data


WARM_UP = 10  # requests before measuring: enough for both workers to have served the page


def timed(browsers: list[Browser], path: str, samples: int,
          warm_up: int = WARM_UP) -> list[tuple[float, float]]:
    """p50 and p95 in ms of each browser's server, after warming up; the servers are
    asked in turn, sample after sample, so that the machine's drift (which moves the
    figures by up to 1.5× over minutes) touches them alike."""
    for browser in browsers:
        for _ in range(warm_up):
            browser.get(path)
    times = [[] for _ in browsers]
    for _ in range(samples):
        for browser, taken in zip(browsers, times, strict=True):
            start = time.perf_counter()
            browser.get(path)
            taken.append((time.perf_counter() - start) * 1000)
    return [(statistics.median(t), sorted(t)[min(len(t) - 1, int(len(t) * 0.95))])
            for t in times]


def throughput(port: int, username: str, path: str, clients: int = 8,
               seconds: float = 10) -> float:
    """List pages a second with `clients` concurrent signed-in clients."""
    browsers = [Browser(port, username) for _ in range(clients)]
    done, stop = [0] * clients, time.monotonic() + seconds

    def run(n: int) -> None:
        while time.monotonic() < stop:
            browsers[n].get(path)
            done[n] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


# -- the data and the pages ------------------------------------------------------------------

def prepare(env: dict) -> None:
    flask(env, "db", "upgrade")
    engine = sa.create_engine(normalized(env["DATABASE_URL"]))
    with engine.connect() as conn:
        customers = conn.scalar(sa.text("SELECT count(*) FROM customer"))
    engine.dispose()
    if not customers:
        print("writing the data (seed-demo --scale large) ...", flush=True)
        flask(env, "seed-demo", "--scale", "large", quiet=False)
    for username in ROLE_USERS.values():
        flask(env, "set-password", username, "--password", PASSWORD)
    if flask(env, "set-password", "bench_admin", "--password", PASSWORD,
             check=False).returncode:
        flask(env, "create-user", "bench_admin", "--role", "admin", "--password", PASSWORD)


def normalized(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def pages(env: dict) -> list[tuple[str, str, str]]:
    """(kind, label, path) of what is measured, with real records of the data; list
    URLs are built by the screens themselves (their filter and sort arguments)."""
    os.environ.update(DATABASE_URL=env["DATABASE_URL"], SECRET_KEY=env["SECRET_KEY"])
    from flask_admin.contrib.sqla.filters import DateBetweenFilter

    from backoffice import create_app
    from backoffice.models import FollowUpCall
    from backoffice.views.base import screen
    from backoffice.views.followups import (
        CALL_KIND_FILTER,
        CALL_STATE_FILTER,
        FollowUpCallAdmin,
    )

    engine = sa.create_engine(normalized(env["DATABASE_URL"]))
    with engine.connect() as conn:
        one = lambda sql: conn.execute(sa.text(sql)).first()  # noqa: E731
        customer_id, mobile = one("SELECT id, mobile FROM customer ORDER BY id LIMIT 1 "
                                  "OFFSET 1000")
        plate, vin = one("SELECT plate_number, vin FROM vehicle ORDER BY id LIMIT 1 "
                         "OFFSET 2000")
        reception = one("SELECT id FROM reception WHERE signed_at IS NOT NULL LIMIT 1")
        handover = one("SELECT reception_id FROM handover WHERE completed_at IS NOT NULL "
                       "LIMIT 1")
        last_call = date.fromisoformat(str(one("SELECT max(called_on) FROM follow_up_call")[0]))
        rare_kind = one("SELECT kind FROM follow_up_call GROUP BY kind ORDER BY count(*) "
                        "LIMIT 1")[0]
    engine.dispose()
    since = last_call.replace(day=1)
    with create_app().test_request_context():
        calls = screen(FollowUpCallAdmin)
        called_on = next(f for f in calls._filters if isinstance(f, DateBetweenFilter)
                         and f.column is FollowUpCall.called_on)
        export = calls.list_url((called_on, f"{since} to {since.replace(day=9)}")).replace(
            "/admin/follow_up_call/", "/admin/follow_up_call/export/xlsx/")
        due = calls.list_url((CALL_STATE_FILTER, "due"))
        rare = calls.list_url((CALL_KIND_FILTER, rare_kind), sort="called_at", desc=1)
    path = urllib.parse.quote
    measured = [
        ("list", "Calls, first page (2M rows)", "/admin/follow_up_call/"),
        ("list", "Customers, first page", "/admin/customer/"),
        ("list", "Visits, first page (by date)", "/admin/visit/"),
        ("list", "Calls, filtered: due now", due),
        ("list", "Calls, filtered: a rare type, by call time", rare),
        ("deep", "Calls, page 10,000 (offset 200,000)", "/admin/follow_up_call/?page=9999"),
        ("deep", "Visits, page 10,000 (offset 200,000)", "/admin/visit/?page=9999"),
        ("search", "Customer by whole mobile", f"/admin/customer/?search={mobile}"),
        ("search", "Customer by last 4 digits", f"/admin/customer/?search={mobile[-4:]}"),
        ("search", "Vehicle by plate", f"/admin/vehicle/?search={path(plate)}"),
        ("search", "Vehicle by VIN", f"/admin/vehicle/?search={vin}"),
        ("archive", "Customer archive page", f"/admin/customer/archive/?id={customer_id}"),
    ]
    if reception:
        measured.append(("pdf", "Reception PDF", f"/admin/reception/pdf/?id={reception[0]}"))
    if handover:
        measured.append(("pdf", "Handover PDF", f"/admin/handover/pdf/?reception={handover[0]}"))
    measured.append(("export", "Calls export, ~10,000 rows (xlsx)", export))
    return measured


# -- the run ---------------------------------------------------------------------------------

def measure(env: dict, samples: int, measured: list) -> tuple[dict, dict]:
    """The figures of the app and of the stock baseline, their servers running side by
    side (the baseline changes lists only: the other pages are the app's)."""
    servers = {"app": Server(env, stock=False), "stock": Server(env, stock=True)}
    try:
        admins = {name: Browser(server.port, "bench_admin") for name, server in servers.items()}
        app, stock = {}, {}
        for kind, label, path in measured:
            if kind in ("list", "deep", "search"):
                app[label], stock[label] = timed([admins["app"], admins["stock"]], path,
                                                 samples)
                print(f"{label:<40} p50 {app[label][0]:8.1f} ms   stock {stock[label][0]:8.1f} ms",
                      flush=True)
                continue
            if kind == "export":  # seconds each: a few runs
                (app[label],) = timed([admins["app"]], path, 3, warm_up=2)
            else:
                (app[label],) = timed([admins["app"]], path, samples)
            print(f"{label:<40} p50 {app[label][0]:8.1f} ms", flush=True)
        for role, username in ROLE_USERS.items():
            label = f"Home page: {role}"
            (app[label],) = timed([Browser(servers["app"].port, username)], "/admin/", samples)
            print(f"{label:<40} p50 {app[label][0]:8.1f} ms", flush=True)
        (app["Home page: admin"],) = timed([admins["app"]], "/admin/", samples)
        for name, figures in (("app", app), ("stock", stock)):
            figures["throughput"] = throughput(servers[name].port, "bench_admin",
                                               "/admin/follow_up_call/")
            figures["memory"] = servers[name].peak_memory_mb()
        return app, stock
    finally:
        for server in servers.values():
            server.stop()


def report(env: dict, app: dict, stock: dict, measured: list, out: Path,
           elapsed: float) -> None:
    engine = sa.create_engine(normalized(env["DATABASE_URL"]))
    with engine.connect() as conn:
        tables = ("customer", "vehicle", "visit", "follow_up_call", "complaint",
                  "safety_inspection", "employee", "attendance", "certificate")
        sizes = {t: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(t)))
                 for t in tables}
        backend = f"{engine.dialect.name} {conn.dialect.server_version_info or ''}"
    engine.dispose()
    kinds = {label: kind for kind, label, _path in measured}
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name,
                                                               engine.dialect.name)
    lines = [
        f"## {name}",
        "",
        f"Run on {date.today()} with `./dev.sh benchmark` ({elapsed / 60:.0f} minutes).",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}, Python {platform.python_version()}",
        f"- Database: {backend.strip()}",
        f"- Versions: Flask {metadata.version('flask')}, Flask-Admin "
        f"{metadata.version('flask-admin')}, SQLAlchemy {metadata.version('sqlalchemy')}, "
        f"gunicorn {metadata.version('gunicorn')} (2 sync workers), xhtml2pdf "
        f"{metadata.version('xhtml2pdf')}",
        "- Data: " + ", ".join(f"{n:,} {t}" for t, n in sizes.items()),
        "- Client: real HTTP over loopback, signed in; p50 and p95 of sequential requests "
        f"after {WARM_UP} warm-up requests (each worker's first request of a page is "
        "slower: templates compile). Baseline: the same app with stock Flask-Admin lists "
        "(`BACKOFFICE_STOCK_LISTS=1`: an exact count on every page, LIKE '%x%' search, "
        "relations joined, Flask-Admin's own list template and links), served beside the "
        "app; each list page is asked of the two in turn (app, baseline, app, ...), so "
        "that the machine's drift touches both alike.",
        "",
        "| Page | p50 ms | p95 ms | target p50 | stock p50 ms | speed-up (target) | met |",
        "|---|---:|---:|---:|---:|---:|:-:|",
    ]
    sqlite = sqlite_p50(out) if name == "PostgreSQL" else {}
    for label, value in app.items():
        if label in ("throughput", "memory"):
            continue
        kind = kinds.get(label, "home")
        target = (round(POSTGRESQL_SLACK * sqlite[label], 1) if label in sqlite
                  else TARGETS[kind])
        met = value[0] <= target
        base, speed_up = stock.get(label), ""
        if base:
            wanted = SPEED_UPS[kind] if name == "SQLite" else None
            speed_up = f"{base[0] / value[0]:.1f}×" + (f" (≥ {wanted}×)" if wanted else "")
            met = met and (wanted is None or base[0] / value[0] >= wanted)
        lines.append(f"| {label} | {value[0]:.1f} | {value[1]:.1f} | {target} | "
                     f"{f'{base[0]:.1f}' if base else ''} | {speed_up} | "
                     f"{'yes' if met else '**no**'} |")
    lines += [
        "",
        f"- Throughput, call list first page, 8 concurrent clients: **{app['throughput']:.0f} "
        f"pages/s** (stock: {stock['throughput']:.0f}; target ≥ 100)",
        f"- Peak memory of a worker: **{app['memory']:.0f} MB** (stock: "
        f"{stock['memory']:.0f} MB; target ≤ 200)",
        "",
    ]
    out.write_text(with_section(out, f"## {name}", "\n".join(lines)), encoding="utf-8")
    print(f"written to {out}")


INTRO = """# Benchmarks

Written by `./dev.sh benchmark` (scripts/benchmark.py), one section per database; a run
replaces its database's section. Targets (issue 8) are for SQLite; PostgreSQL is recorded
beside it, each page within 3× its SQLite figure.
"""


def sqlite_p50(out: Path) -> dict[str, float]:
    """The p50 of each page in the file's SQLite section (PostgreSQL's yardstick)."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    section = text.partition("## SQLite\n")[2].partition("\n## ")[0]
    return {m[1]: float(m[2]) for m in re.finditer(r"(?m)^\| ([^|]+?) \| ([\d.]+) \|", section)}


def with_section(out: Path, heading: str, section: str) -> str:
    """The file's text with the section under `heading` replaced (or added)."""
    text = out.read_text(encoding="utf-8") if out.exists() else INTRO
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [part for part in parts[1:] if not part.startswith(heading + "\n")]
    return "\n".join(p.rstrip("\n") + "\n" for p in [parts[0], *sorted(
        [*kept, section], key=lambda p: not p.startswith("## SQLite"))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:///" + str(
        ROOT / "instance" / "benchmark.sqlite3"))
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    started = time.monotonic()
    env = os.environ | {"DATABASE_URL": args.database_url, "SECRET_KEY": secrets.token_hex(32),
                        "PYTHONPATH": str(ROOT)}
    prepare(env)
    measured = pages(env)
    app, stock = measure(env, args.samples, measured)
    report(env, app, stock, measured, args.out, time.monotonic() - started)


if __name__ == "__main__":
    main()
