"""User accounts (/admin/user/): the admin's screen; password hashes never leave the model."""
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from ..auth import set_password
from ..extensions import db
from ..models import User
from ..permissions import ROLES
from ..security import password_problems
from .base import SecureModelView

USERNAME_RULE = Regexp(
    r"^[A-Za-z0-9._-]{2,64}$",
    message=_l("Use 2 to 64 letters, digits, dots, dashes or underscores."),
)


def active_admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active)
    )


class UserAdmin(SecureModelView):
    area = "users"
    column_list = ("username", "display_name", "role", "active", "last_login_at")
    column_details_list = (
        "username", "display_name", "role", "active", "must_change_password", "last_login_at",
        "created_at", "updated_at",
    )
    column_export_list = column_details_list
    column_searchable_list = ("username", "display_name")
    column_filters = ("role", "active")
    column_default_sort = "username"
    column_labels = {
        "username": _l("Username"),
        "display_name": _l("Name"),
        "role": _l("Role"),
        "active": _l("Active"),
        "last_login_at": _l("Last sign-in"),
        "must_change_password": _l("Must change the password at the next sign-in"),
        "auth_epoch": _l("Sessions ended"),
        "password_hash": _l("Password (hidden)"),
        "new_password": _l("New password"),
        "confirm_password": _l("Repeat the new password"),
    }
    column_choices = {"role": list(ROLES.items())}
    form_columns = (
        "username", "display_name", "role", "active", "new_password", "confirm_password",
        "must_change_password",
    )
    form_choices = {"role": list(ROLES.items())}
    form_args = {
        "must_change_password": {"description": _l(
            "After signing in, the user must choose a new password before anything else "
            "opens; tick it when you give someone a password."
        )},
        "username": {"validators": [InputRequired(), USERNAME_RULE]},
        "display_name": {"validators": [InputRequired(), Length(max=100)]},
    }
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            description=_l("At least 10 characters. Leave empty to keep the current password."),
        ),
        "confirm_password": PasswordField(_l("Repeat the new password")),
    }

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if "new_password" not in form:
            return valid
        if valid and self._username_taken(form.username.data):
            form.username.errors.append(_("This username is already taken."))
            valid = False
        password = form.new_password.data or ""
        errors = list(form.new_password.errors)
        if not password and request.endpoint.endswith("create_view"):
            errors.append(_("A new account needs a password."))
        if password:
            errors += password_problems(password, form.username.data)
            if password != form.confirm_password.data:
                form.confirm_password.errors = [_("The two passwords differ.")]
                valid = False
        form.new_password.errors = errors
        return valid and not errors

    @staticmethod
    def _username_taken(username: str) -> bool:
        editing = request.args.get("id", type=int)
        query = (
            select(User.id)
            .where(func.lower(User.username) == username.strip().lower())
            .execution_options(include_deleted=True)
        )
        if editing:
            query = query.where(User.id != editing)
        return db.session.scalar(query) is not None

    def on_model_change(self, form, model, is_created) -> None:
        for extra in ("new_password", "confirm_password"):
            vars(model).pop(extra, None)  # populate_obj copied them; they are not columns
        if form.new_password.data:
            set_password(model, form.new_password.data)
        if not model.active:
            model.end_sessions()
        if active_admin_count() == 0:
            raise ValidationError(
                _("There must always be an active administrator: this change would leave none.")
            )

    def after_model_change(self, form, model, is_created) -> None:
        # Changing your own password ends your sessions too; keep this one.
        if model.id == current_user.id and model.is_active:
            login_user(model)

    def on_model_delete(self, model) -> None:
        if model.id == current_user.id:
            raise ValidationError(_("You cannot delete your own account."))
        model.active = False  # a deleted account can never sign in again
        model.end_sessions()
        if active_admin_count() == 0:
            raise ValidationError(
                _("There must always be an active administrator: this change would leave none.")
            )
