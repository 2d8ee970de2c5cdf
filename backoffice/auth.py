"""Signing in and out (Flask-Login), and who the current user is."""
from functools import cache

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_logged_in,
    user_logged_out,
)
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from . import audit, clock, throttle
from .extensions import db, login_manager
from .formatting import format_datetime
from .models import User
from .security import password_problems, safe_next_url

bp = Blueprint("auth", __name__)



def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    # Checked when the username is unknown, so that a wrong username takes as long
    # as a wrong password and does not reveal which usernames exist.
    return generate_password_hash("not a password", method=method)


def set_password(user: User, password: str) -> None:
    """Store a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.end_sessions()


def create_user(username: str, role: str, password: str, display_name: str | None = None) -> User:
    """A new active account, added to the session (the caller commits)."""
    user = User(
        username=username, display_name=display_name or username, role=role, active=True
    )
    set_password(user, password)
    db.session.add(user)
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device (14 days)"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=256)]
    )
    new_password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)])
    confirm_password = PasswordField(
        _l("Repeat the new password"), validators=[InputRequired(), Length(max=256)]
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not check_password_hash(current_user.password_hash, self.current_password.data):
            self.current_password.errors.append(_("The current password is wrong."))
        problems = password_problems(self.new_password.data, current_user.username)
        if self.new_password.data == self.current_password.data:
            problems.append(_("The new password must differ from the current one."))
        self.new_password.errors.extend(problems)
        if self.new_password.data != self.confirm_password.data:
            self.confirm_password.errors.append(_("The two passwords differ."))
        return not (self.current_password.errors or problems or self.confirm_password.errors)


def home_url() -> str:
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next_url(request.args.get("next"), home_url())
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        name, address = throttle.normalized(form.username.data), request.remote_addr
        now = clock.now()
        until = throttle.locked_until(name, address, now)
        if until:
            throttle.record(name, address, "locked", now)
            db.session.commit()
            form.password.errors.append(_(
                "Too many failed sign-ins. Please try again after %(time)s.",
                time=format_datetime(until)))
            return render_template("auth/login.html", form=form), 429
        user = find_user(form.username.data)
        password_ok = check_password_hash(
            user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]),
            form.password.data,
        )
        if not user or not password_ok:
            throttle.record(name, address, "failed", now)
            db.session.commit()
            form.password.errors.append(_("Wrong username or password."))
        elif not user.is_active:
            form.password.errors.append(
                _("This account is disabled. Please ask an administrator.")
            )
        else:
            throttle.record(name, address, "succeeded", now)
            lang = session.get("lang")
            session.clear()  # a fresh session on sign-in: no fixation
            if lang:
                session["lang"] = lang
            login_user(user, remember=form.remember.data)
            audit.remember_user(user)
            user.last_login_at = clock.now()
            if user.password_hash.split("$", 1)[0] != current_app.config["PASSWORD_HASH_METHOD"]:
                # Hashed with older settings: renewed now that we have the password
                # (the same password, so no other session ends).
                user.password_hash = hash_password(form.password.data)
            db.session.commit()
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    # Signing out signs out everywhere: every session and remember cookie ends.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Your own new password; where the admin asked for one, nothing else opens first."""
    target = safe_next_url(request.args.get("next"), home_url())
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        set_password(user, form.new_password.data)  # ends the user's other sessions
        user.must_change_password = False
        db.session.commit()
        login_user(user)  # this session goes on
        flash(_("Your password was changed; you stay signed in only here."), "success")
        return redirect(target)
    return render_template("auth/password.html", form=form)


# What a user who must change their password may still open.
_BEFORE_NEW_PASSWORD = frozenset(
    {"auth.change_password", "auth.logout", "site.set_language", "static", "admin.static"}
)


def _password_first():
    if request.endpoint in _BEFORE_NEW_PASSWORD or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        flash(_("Please choose a new password before you go on."), "warning")
        return redirect(url_for("auth.change_password", next=request.full_path.rstrip("?")))
    return None


_UNKNOWN = object()


def current_role() -> str | None:
    """The signed-in user's role, None when nobody is (or outside a request), read once
    per request: a list page asks some fifty times (each screen's may, each row's
    mobile number), and current_user goes through Flask-Login every time."""
    if not has_request_context():
        return None
    role = g.get("role", _UNKNOWN)
    if role is _UNKNOWN:
        role = g.role = current_user.role if current_user.is_authenticated else None
    return role


@user_logged_in.connect
@user_logged_out.connect
def _forget_role(_sender, **_extra) -> None:
    g.pop("role", None)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _sep, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    # Deleted users are refused by is_active: the session's hook, which would hide them
    # in the query, would also make the query anew on every request (audit.py).
    user = db.session.get(User, int(user_id), execution_options={"include_deleted": True})
    if user is None or not user.is_active or user.auth_epoch != int(epoch):
        return None
    audit.remember_user(user)
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(_password_first)
    app.register_blueprint(bp)
