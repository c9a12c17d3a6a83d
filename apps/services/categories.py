"""The menu's categories, derived from the catalogue's own data in this one place.

Citizens browse by what they need (a certificate, a pension, a bill), not by department. A service's
category follows from its kind first (every status service is under "status", every payment under "bills
and taxes"), then from its department (Delhi Police's services are police verification), and a few codes
whose department spans several needs are named. So a service an admin adds (service 54) appears in a
sensible place with no code change: an MCD "apply" service among certificates, a Transport one among
licences, a new payment among bills. A department with no rule lands in "other services".
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Service
from .selectors import service_list

CERTIFICATES, WELFARE, BILLS, LICENCES, POLICE = "certificates", "welfare", "bills", "licences", "police"
GRIEVANCES, STATUS, OTHER, OFFICER = "grievances", "status", "other", "officer"

# In menu order. "officer" has no services: choosing it hands the conversation to officers.
CATEGORIES = (CERTIFICATES, WELFARE, BILLS, LICENCES, POLICE, GRIEVANCES, STATUS, OTHER, OFFICER)

_BY_KIND = {"status": STATUS, "pay": BILLS, "grievance": GRIEVANCES, "feedback": GRIEVANCES}
_BY_CODE = {
    "MCD-TRADE": LICENCES,
    "LAB-SHOP": LICENCES,
    "LAB-EMPLOYMENT": WELFARE,
    "DJB-CONNECTION": OTHER,
    "DJB-TANKER": OTHER,
    "REV-PROPERTY-APPT": OTHER,
    "MCD-MUTATION": OTHER,
}
_BY_DEPARTMENT = {
    "REV": CERTIFICATES,
    "MCD": CERTIFICATES,
    "DSW": WELFARE,
    "WCD": WELFARE,
    "DFS": WELFARE,
    "SCW": WELFARE,
    "HFW": WELFARE,
    "LAB": WELFARE,
    "EDU": WELFARE,
    "TPT": LICENCES,
    "DP": POLICE,
    "PGC": GRIEVANCES,
}


def service_category(*, code: str, kind: str, department_code: str) -> str:
    """The menu category of one service (see the module docstring for the order of the rules)."""
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    if code in _BY_CODE:
        return _BY_CODE[code]
    if kind == "info":
        return OTHER
    return _BY_DEPARTMENT.get(department_code, OTHER)


def service_list_for_category(*, category: str) -> list[Service]:
    """The active services of one menu category, in menu order (department, then code)."""
    services: QuerySet[Service] = service_list()
    return [
        service
        for service in services
        if service_category(code=service.code, kind=service.kind, department_code=service.department.code) == category
    ]
