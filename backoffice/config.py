"""Configuration: defaults here, deployment settings from the environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


class Config:
    # Language and time (DOMAIN: Chinese first, Asia/Shanghai).
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    APP_TIMEZONE = os.environ.get("APP_TIMEZONE", "Asia/Shanghai")

    # Cookies: HttpOnly and SameSite=Lax; Secure is added per response over https
    # (security.py), or always with SESSION_COOKIE_SECURE=1.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE") == "1"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # A form left open on a tablet for hours must still save: the CSRF token lives
    # as long as the session instead of one hour.
    WTF_CSRF_TIME_LIMIT = None

    # Number of reverse proxies in front of the app whose X-Forwarded-* to trust.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Printed at the top of every PDF (接车登记表, 客户档案...).
    SHOP_NAME = os.environ.get("SHOP_NAME", "")
    SHOP_ADDRESS = os.environ.get("SHOP_ADDRESS", "")
    # A TrueType font with Chinese glyphs for PDFs; found among the usual ones if unset.
    PDF_FONT_PATH = os.environ.get("PDF_FONT_PATH")

    # scrypt with N=2^14, r=8, p=5: OWASP's equivalent of N=2^17, p=1 (stronger than
    # Werkzeug's default N=2^15, p=1) in 16 MB rather than 128 MB: a worker's memory
    # stays flat when someone signs in. Older hashes are renewed at the next sign-in.
    PASSWORD_HASH_METHOD = "scrypt:16384:8:5"  # noqa: S105  # nosec B105  # a hash method
    # Uploads (imports, photos, signatures, scans): larger requests are refused.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024
    # Where stored files' bytes live (files.py): in the database, or, when S3_BUCKET is
    # set, in that bucket of an S3-compatible store (AWS S3; MinIO, Ceph, OSS... through
    # S3_ENDPOINT_URL). Without keys here boto3's usual credential chain applies.
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or None
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    # "path" or "virtual"; unset: boto3's choice (path style with S3_ENDPOINT_URL).
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE") or None
    FLASK_ADMIN_FLUID_LAYOUT = True
    PAGE_SIZE = 20
    # Lists count their rows up to this many, then say "1,000+" and page on one page at
    # a time (an exact count of a million rows on every page is what makes stock
    # Flask-Admin slow; counting even 10,000 index entries took 2-3 ms of every page).
    LIST_COUNT_CAP = 1_000
    # The benchmark's baseline only: lists as stock Flask-Admin does them (an exact
    # count on every page, LIKE '%x%' search, its own list template), to measure
    # against. Never in production.
    STOCK_LISTS = os.environ.get("BACKOFFICE_STOCK_LISTS") == "1"
    # After this many requests a process's long-lived objects (compiled templates,
    # catalogs, mappers) are set aside from the garbage collector, whose full runs
    # otherwise walk them all: 150 ms now and then on the heavier pages. 0: never.
    GC_FREEZE_AFTER_REQUESTS = 50


class TestConfig:
    """What the test suite changes: a known key, cheap hashing, loud view errors."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105  # nosec B105  # tests only
    # Still scrypt, with a small work factor: the suite signs in hundreds of times.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105  # nosec B105  # a hash method
    FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION = True
    GC_FREEZE_AFTER_REQUESTS = 0  # hundreds of apps in one process: nothing kept frozen
    S3_BUCKET = None  # files in the test database, whatever the shell has; tests opt in

    @classmethod
    def settings(cls, **extra) -> dict:
        return {k: v for k, v in vars(cls).items() if k.isupper()} | extra


def database_url(instance_path: str) -> str:
    """DATABASE_URL (PostgreSQL through psycopg 3), else a SQLite file under instance/."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "backoffice.sqlite3")
    return normalize_database_url(url)


def engine_options(url: str) -> dict:
    """A database server can drop a pooled connection (a restart, an idle timeout):
    test it before use. A SQLite file has no connection to lose, nothing to ping."""
    return {"pool_pre_ping": not url.startswith("sqlite")}


def normalize_database_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else generated once into instance/secret_key.

    Several workers may start at once: the key is written to a temporary file and
    linked into place, so every worker reads the same complete key.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        tmp = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
