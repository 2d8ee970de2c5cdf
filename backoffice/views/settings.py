"""The settings page (/admin/settings/): the administrator changes the domain's periods."""
import hashlib
import json
import unicodedata

from flask import flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _

from .. import rules, settings
from ..extensions import db
from ..models import Setting
from .base import STALE_MESSAGE, SecureBaseView


class SettingsView(SecureBaseView):
    area = "users"  # the administrator's

    @expose("/", methods=("GET", "POST"))
    def index(self):
        values = dict(settings.current())
        shown = _version(values)  # the page carries it: a save over someone else's is refused
        errors = {}
        if request.method == "POST" and request.form.get("version") != shown:
            flash(str(STALE_MESSAGE), "error")
            return redirect(self.get_url(".index"))
        if request.method == "POST":
            for key, spec in settings.SPECS.items():
                raw = unicodedata.normalize("NFKC", request.form.get(key) or "").strip()
                if not raw.isdecimal() or not raw.isascii() or not (
                    spec.minimum <= int(raw) <= spec.maximum
                ):
                    errors[key] = _("A whole number from %(low)d to %(high)d.",
                                    low=spec.minimum, high=spec.maximum)
                values[key] = raw
            if not errors and not rules.day_slots({k: int(v) for k, v in values.items()}):
                errors["closing_hour"] = _("No appointment slot fits between the opening and "
                                           "closing hours.")
            if not errors:
                self._save(values)
                flash(_("The settings were saved."), "success")
                return redirect(self.get_url(".index"))
        return self.render("admin/settings.html", specs=settings.SPECS, values=values,
                           defaults=rules.DEFAULTS, errors=errors, version=shown)

    @staticmethod
    def _save(values: dict) -> None:
        saved = {row.key: row for row in db.session.query(Setting)}
        for key, value in values.items():
            row = saved.get(key)
            if row is None and int(value) != rules.DEFAULTS[key]:
                db.session.add(Setting(key=key, value=str(int(value))))
            elif row is not None and row.value != str(int(value)):
                row.value = str(int(value))
        db.session.commit()
        settings.forget()


def _version(values: dict) -> str:
    """A fingerprint of the settings as they are: what the page showed, when posted back."""
    return hashlib.sha256(json.dumps(sorted(values.items())).encode()).hexdigest()[:16]
