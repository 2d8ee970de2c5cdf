"""The permission matrix: every screen, every role, every operation, from one table."""
import pytest

from backoffice.extensions import db
from backoffice.models import SoftDeleteMixin
from backoffice.permissions import EXPORT_ROLES, MATRIX, ROLES, allowed
from backoffice.views.base import SecureModelView

from .databases import make_app
from .factories import SAMPLES

# The matrix as the foundation issue states it; permissions.MATRIX must say the same.
SPEC = """
archives    | RWD | RW | RW | RW | -  | -  | R
followups   | RWD | RW | RW | R  | -  | -  | R
appointments| RWD | R  | R  | RW | -  | -  | R
checklists  | RWD | R  | R  | RW | -  | -  | R
parts       | RWD | RW | -  | RW | -  | -  | R
safety      | RWD | -  | -  | -  | RW | -  | R
training    | RWD | R  | -  | -  | R  | RW | R
users       | RWD | -  | -  | -  | -  | -  | -
audit       | R   | -  | -  | -  | -  | -  | R
"""
SPEC_ROLES = [
    "admin", "supervisor", "followup_agent", "service_advisor",
    "safety_officer", "trainer", "manager",
]


def _screens():
    """(endpoint, area, view class) of every CRUD screen, read from a real app."""
    app = make_app("sqlite://")
    admin = app.extensions["admin"][0]
    return [
        (view.endpoint, view.area, view)
        for view in admin._views
        if isinstance(view, SecureModelView)
    ]


SCREENS = _screens()


def test_matrix_is_the_specified_one():
    """Does permissions.MATRIX grant exactly what the issue's table grants?"""
    for line in SPEC.strip().splitlines():
        area, *cells = (c.strip() for c in line.split("|"))
        granted = {role: cell for role, cell in zip(SPEC_ROLES, cells, strict=True) if cell != "-"}
        assert granted == MATRIX[area], area
    assert set(SPEC_ROLES) == set(ROLES)
    assert {"admin", "supervisor", "manager"} == EXPORT_ROLES


def test_every_screen_has_an_area_and_a_sample():
    for endpoint, area, _view in SCREENS:
        assert area in MATRIX, endpoint
        assert endpoint in SAMPLES, f"add a sample record for {endpoint} to tests/factories.py"


@pytest.mark.parametrize("endpoint", [s[0] for s in SCREENS])
def test_anonymous_is_sent_to_login(client, endpoint):
    for path in ("/", "/new/", "/details/?id=1", "/edit/?id=1", "/export/csv/"):
        response = client.get(f"/admin/{endpoint}{path}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    assert client.post(f"/admin/{endpoint}/delete/", data={"id": "1"}).status_code in (302, 400)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("endpoint", "area", "view"), SCREENS, ids=[s[0] for s in SCREENS])
def test_matrix_cell(app, client, auth, endpoint, area, view, role):
    """Is each operation of this screen allowed to this role exactly as the matrix says?"""
    record_id = SAMPLES[endpoint]()
    auth.login_as(role)
    base = f"/admin/{endpoint}"
    may_read = allowed(role, area, "R")
    may_write = allowed(role, area, "W") and (view.write_roles is None or role in view.write_roles)
    may_delete = allowed(role, area, "D")

    def expect(response, permitted: bool, ok=(200,)):
        if permitted:
            assert response.status_code in ok, (response.request.path, response.status_code)
        else:
            assert response.status_code == 403, (response.request.path, response.status_code)
            assert "没有权限" in response.get_data(as_text=True)

    expect(client.get(f"{base}/"), may_read)
    if view.can_view_details:
        expect(client.get(f"{base}/details/", query_string={"id": record_id}), may_read)
    expect(client.get(f"{base}/export/csv/"), may_read and allowed(role, area, "X"))
    assert allowed(role, area, "X") == (may_read and role in EXPORT_ROLES)

    expect(client.get(f"{base}/new/"), may_write and view.creatable)
    expect(auth.post(f"{base}/new/", {}), may_write and view.creatable, ok=(200, 302))
    expect(  # some screens' edit page is a checklist page: a redirect to it
        client.get(f"{base}/edit/", query_string={"id": record_id}),
        may_write and view.editable, ok=(200, 302),
    )
    expect(
        auth.post(f"{base}/edit/?id={record_id}", {}),
        may_write and view.editable, ok=(200, 302),
    )
    # Inline (x-editable) editing goes through ajax/update, which Flask-Admin leaves open.
    expect(
        auth.post(f"{base}/ajax/update/", {"list_form_pk": record_id}),
        may_write and view.editable, ok=(200, 404, 500),
    )
    soft = issubclass(view.model, SoftDeleteMixin)
    for url, data in (
        (f"{base}/action/", {"action": "delete", "rowid": record_id}),
        (f"{base}/delete/", {"id": record_id}),
    ):
        expect(auth.post(url, data), may_delete and view.deletable, ok=(302,))
        record = db.session.get(view.model, record_id, execution_options={"include_deleted": True})
        deleted = record is None or (soft and record.deleted_at is not None)
        assert deleted == (may_delete and view.deletable), url
        if soft and deleted:
            record.deleted_at = None  # back, for the next way of deleting
            db.session.commit()
    trash = client.get(f"{base}/", query_string={"trash": "1"})
    if may_read:
        shows_trash = "已删除记录" in trash.get_data(as_text=True)
        assert shows_trash == (
            role == "admin" and view.deletable and issubclass(view.model, SoftDeleteMixin)
        )
