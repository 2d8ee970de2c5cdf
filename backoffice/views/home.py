"""The home page (工作台): one panel per area the user may read, with what is due."""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from flask_admin import AdminIndexView, expose
from flask_login import current_user

from ..auth import current_role
from ..permissions import AREAS, allowed
from .base import Guarded


@dataclass
class DueItem:
    """One line on a home panel: what is due, how many, where to deal with it."""

    label: str
    count: int | None  # None: a single thing to do, e.g. one call
    url: str
    level: str = "warning"  # Bootstrap context: danger, warning, info


# area -> functions(user) -> list[DueItem]; each area's module registers its own.
_due_providers: dict[str, list[Callable]] = defaultdict(list)


def due_items(area: str):
    """Register a function that lists what is due in `area` for a user."""

    def register(func: Callable) -> Callable:
        _due_providers[area].append(func)
        return func

    return register


class HomeView(Guarded, AdminIndexView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    @expose("/")
    def index(self):
        panels = []
        for area, title in AREAS.items():
            if not allowed(current_role(), area, "R"):
                continue
            screens = [
                view for view in self.admin._views
                if getattr(view, "area", None) == area and view.is_accessible()
            ]
            items = [item for p in _due_providers[area] for item in p(current_user)]
            panels.append({"area": area, "title": title, "screens": screens, "items": items})
        return self.render("admin/index.html", panels=panels)
