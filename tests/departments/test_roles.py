"""Who may grant which role: the rule lives in the service, so every path (admin, commands) obeys it."""

import pytest

from apps.core.exceptions import ApplicationError
from apps.departments.models import Officer
from apps.departments.services import officer_role_assign
from tests.factories import make_department, make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def mcd_admin():
    return make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=make_department(code="MCD"))


@pytest.mark.parametrize(
    "role, own_department, superuser",
    [
        (Officer.Role.STATE_ADMIN, False, False),
        (Officer.Role.OFFICER, False, False),  # another department
        (Officer.Role.OFFICER, True, True),
    ],
)
def test_officer_role_assign_refuses_what_a_department_admin_may_not_grant(mcd_admin, role, own_department, superuser):
    department = mcd_admin.department if own_department else make_department(code="REV")
    officer = Officer(username="new", role=role, is_superuser=superuser)
    officer.department = None if role == Officer.Role.STATE_ADMIN else department

    with pytest.raises(ApplicationError):
        officer_role_assign(actor=mcd_admin, officer=officer)

    assert not Officer.objects.filter(username="new").exists()


def test_officer_role_assign_gives_exactly_the_roles_permissions(mcd_admin):
    officer = Officer(username="clerk", role=Officer.Role.OFFICER, department=mcd_admin.department)
    officer.set_password("a-long-enough-pass-1")

    officer_role_assign(actor=mcd_admin, officer=officer)

    officer = Officer.objects.get(username="clerk")
    assert officer.is_staff
    assert officer.has_perm("services.view_service") and not officer.has_perm("services.change_service")
    assert officer.groups.count() == 1


def test_an_officer_cannot_grant_roles(mcd_admin):
    clerk = make_officer(role=Officer.Role.OFFICER, department=mcd_admin.department)

    with pytest.raises(ApplicationError):
        officer_role_assign(actor=clerk, officer=Officer(username="x", role="officer", department=clerk.department))
