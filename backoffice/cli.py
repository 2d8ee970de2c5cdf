"""Flask commands: create-user, set-password, seed-demo, bootstrap, mark-no-shows,
backup, restore."""
import getpass
import secrets
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_migrate import upgrade
from sqlalchemy import func, select

from . import appointments, audit, backup, clock, demo, safety, scale, training
from .auth import create_user, find_user, set_password
from .extensions import db
from .models import User
from .permissions import ROLES
from .security import password_problems


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise click.BadParameter(" ".join(problems), param_hint="--password")


def _generated_password() -> str:
    return secrets.token_urlsafe(12)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--password", help="Prompted for (hidden) when omitted.")
@click.option("--display-name", help="The name shown in the app; the username by default.")
def create_user_command(username, role, password, display_name):
    """Create a user account."""
    if find_user(username):
        raise click.ClickException(
            _("User %(name)s already exists; use set-password.", name=username)
        )
    if password is None:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    _check_password(password, username)
    with audit.acting_as(source="cli", username=getpass.getuser()):
        create_user(username, role, password, display_name)
        db.session.commit()
    click.echo(_("Created user %(name)s (%(role)s).", name=username, role=ROLES[role]))


@click.command("set-password")
@click.argument("username")
@click.option("--password", help="Prompted for (hidden) when omitted.")
def set_password_command(username, password):
    """Set a user's password; their other sessions end."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(_("There is no user %(name)s.", name=username))
    if password is None:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    _check_password(password, username)
    with audit.acting_as(source="cli", username=getpass.getuser()):
        set_password(user, password)
        db.session.commit()
    click.echo(_("The password of %(name)s was changed.", name=username))


def seed_demo() -> list[tuple[str, str]]:
    """Add the demo data that is missing; returns the (username, password) created."""
    created = demo.seed_users(_generated_password())
    demo.seed_archives()
    demo.seed_followups()
    demo.seed_checklists()
    demo.seed_safety()
    training.seed_training()
    demo.seed_parts()
    demo.seed_appointments()
    db.session.commit()
    return created


@click.command("seed-demo")
@click.option("--scale", "size", type=click.Choice(["demo", *scale.SCALES]), default="demo",
              show_default=True,
              help="large: a dealer group's years of records (200,000 customers, "
                   "2,000,000 calls, ...) for the benchmark; into an empty archive.")
def seed_demo_command(size):
    """Load realistic Chinese demo data; running it again changes nothing."""
    with audit.acting_as(source="cli", username=getpass.getuser()):
        if size != "demo":
            _seed_scale(size)
        created = seed_demo()
    _print_accounts(created, _("Demo accounts"))


def _seed_scale(size: str) -> None:
    demo.seed_users(_generated_password())
    started = time.monotonic()

    def progress(table: str, done: int, total: int) -> None:
        click.echo(f"\r{table:<20} {done:>10,} / {total:,}", nl=done == total, err=True)

    try:
        counts = scale.seed(size, progress)
    except scale.AlreadySeeded:
        raise click.ClickException(
            _("The archive holds customers already: a scale run needs an empty database.")
        ) from None
    db.session.commit()
    scale.vacuum(counts)
    rows = format(sum(counts.values()), ",")
    click.echo(_("%(rows)s rows in %(seconds)d seconds.", rows=rows,
                 seconds=time.monotonic() - started), err=True)


def _print_accounts(accounts, what: str) -> None:
    if not accounts:
        return
    click.echo("\n" + _("%(what)s (the passwords are shown only this once):", what=what))
    for username, password in accounts:
        click.echo(f"  {username:<12} {password}")
    click.echo("")


@click.command("bootstrap")
@click.option("--admin-username", envvar="ADMIN_USERNAME", default="admin", show_default=True)
@click.option(
    "--admin-password", envvar="ADMIN_PASSWORD", help="Generated and printed once when unset."
)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty database.")
def bootstrap_command(admin_username, admin_password, no_demo):
    """Migrate, create the first admin if there is none, load demo data if empty."""
    upgrade()
    with audit.acting_as(source="cli", username=getpass.getuser()):
        empty = db.session.scalar(
            select(func.count()).select_from(User).execution_options(include_deleted=True)
        ) == 0
        has_admin = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.active)
        )
        created = []
        if not has_admin:
            password = admin_password or _generated_password()
            _check_password(password, admin_username)
            create_user(admin_username, "admin", password, "系统管理员")
            db.session.commit()
            created.append((admin_username, "(ADMIN_PASSWORD)" if admin_password else password))
        safety.ensure_default_templates()  # reference data, not demo data
        db.session.commit()
        if empty and not no_demo:
            created += seed_demo()
    _print_accounts(created, _("Accounts created"))


@click.command("mark-no-shows")
def mark_no_shows_command():
    """Mark the appointments whose slot is over with nobody arrived (run it nightly)."""
    with audit.acting_as(source="cli", username=getpass.getuser()):
        count = appointments.mark_no_shows(clock.now())
        db.session.commit()
    click.echo(ngettext("%(num)d appointment marked as a no-show; its call is planned.",
                        "%(num)d appointments marked as no-shows; their calls are planned.",
                        count))


def _sqlite_database() -> Path:
    """The app's SQLite file; PostgreSQL has its own tools (README, Production)."""
    path = backup.sqlite_path(db.engine.url)
    if path is None:
        raise click.ClickException(_(
            "backup and restore work on a SQLite database; this one is %(kind)s. Back it up "
            "with pg_dump -Fc and restore it with pg_restore --clean --if-exists (see the "
            "README, Production).", kind=db.engine.dialect.name))
    return path


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and a.samefile(b)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path, force):
    """Copy the SQLite database to PATH, consistently, while the app serves."""
    database = _sqlite_database()
    if not database.is_file():
        raise click.ClickException(_("There is no database at %(path)s.", path=database))
    if _same_file(path, database):
        raise click.ClickException(_("%(path)s is the database itself.", path=path))
    exists = _("%(path)s exists already; use --force to overwrite it.", path=path)
    if path.exists() and not force:
        raise click.ClickException(exists)
    try:
        backup.copy(database, path, overwrite=force)
    except FileExistsError:
        raise click.ClickException(exists) from None
    found = backup.summary(path)
    click.echo(_("Backed up %(database)s to %(path)s: %(size)s, %(tables)d tables, database "
                 "revision %(revision)s.", database=database, path=path,
                 size=backup.human_size(found.size), tables=found.tables,
                 revision=found.revision))
    if current_app.config["S3_BUCKET"]:
        click.echo(_("Warning: the stored files (signatures, photos, scans) are in the S3 "
                     "bucket %(bucket)s, not in this backup. Back the bucket up separately "
                     "(or keep versions in it).", bucket=current_app.config["S3_BUCKET"]),
                   err=True)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, yes):
    """Replace the SQLite database with the backup PATH; the current one is kept aside."""
    database = _sqlite_database()
    nothing = _("Nothing was changed.")
    if not path.is_file():
        raise click.ClickException(_("There is no file %(path)s.", path=path))
    if _same_file(path, database):
        raise click.ClickException(_("%(path)s is the database itself.", path=path))
    try:
        found = backup.check(path)
    except backup.Refused as refused:
        raise click.ClickException(f"{refused} {nothing}") from None
    aside = backup.aside_path(database) if database.is_file() else None
    if aside:
        question = _("Replace the database %(database)s with %(path)s (revision %(revision)s)? "
                     "The current database is kept as %(aside)s.", database=database,
                     path=path, revision=found.revision, aside=aside)
    else:
        question = _("Restore %(path)s (revision %(revision)s) into %(database)s?",
                     path=path, revision=found.revision, database=database)
    if not yes and not click.confirm(question):
        raise click.ClickException(nothing)
    db.session.remove()
    db.engine.dispose()
    if aside:
        backup.copy(database, aside)
        click.echo(_("The current database was kept as %(path)s.", path=aside))
    backup.put_in_place(path, database)
    db.engine.dispose()
    head = backup.head_revision()
    if found.revision != head:
        upgrade()
        click.echo(_("Upgraded the restored database from revision %(old)s to %(new)s.",
                     old=found.revision, new=head))
    restored = backup.summary(database)
    # The restored database's log says when it was put back, from what, and where the
    # replaced one is (its own log goes on in that file).
    with audit.acting_as(source="cli", username=getpass.getuser()):
        audit.record("database", "restore_backup", {
            "backup": [None, str(path.resolve())],
            "kept_aside": [None, str(aside) if aside else None],
            "revision": [found.revision, restored.revision]})
    db.session.commit()
    click.echo(_("Restored %(path)s into %(database)s: %(tables)d tables, database revision "
                 "%(revision)s.", path=path, database=database, tables=restored.tables,
                 revision=restored.revision))


def init_app(app: Flask) -> None:
    for command in (
        create_user_command, set_password_command, seed_demo_command, bootstrap_command,
        mark_no_shows_command, backup_command, restore_command,
    ):
        app.cli.add_command(command)
