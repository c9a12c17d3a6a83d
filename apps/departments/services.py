"""Departments, their WhatsApp numbers, and officers with their roles.

A role is a Django group whose permissions come from ROLE_PERMISSIONS, so what each role may do is written
in one place and re-applied by `manage.py setup_roles` whenever a new app brings new models.
"""

from fnmatch import fnmatchcase

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from apps.core.crypto import secret_decrypt, secret_encrypt, secret_rotate
from apps.core.exceptions import ApplicationError

from .models import Department, Officer, WhatsAppNumber

# "app_label.codename" patterns. Apps added later extend these lists rather than writing their own.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Officer.Role.STATE_ADMIN: ["*.*"],
    Officer.Role.DEPARTMENT_ADMIN: [
        "services.*",
        "departments.view_department",
        "departments.view_whatsappnumber",
        "departments.change_whatsappnumber",
        "departments.*_officer",
        "conversations.view_*",
        "conversations.handle_conversation",
        "applications.view_*",
        "applications.change_application",
        "applications.process_application",
        "portals.view_*",
        "payments.view_*",
        "payments.refund_payment",
    ],
    Officer.Role.OFFICER: [
        "services.view_*",
        "departments.view_department",
        "conversations.view_*",
        "conversations.handle_conversation",
        "applications.view_*",
        "applications.change_application",
        "applications.process_application",
        "portals.view_*",
        "payments.view_*",
    ],
    Officer.Role.AUDITOR: ["*.view_*"],
}


def role_group_name(role: str) -> str:
    return f"role: {Officer.Role(role).label}"


def role_groups_sync() -> dict[str, int]:
    """Create or refresh one group per role with exactly the permissions its patterns match."""
    permissions = list(Permission.objects.select_related("content_type"))
    counts = {}
    with transaction.atomic():
        for role, patterns in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=role_group_name(role))
            granted = [
                perm
                for perm in permissions
                if any(fnmatchcase(f"{perm.content_type.app_label}.{perm.codename}", p) for p in patterns)
            ]
            group.permissions.set(granted)
            counts[role] = len(granted)
    return counts


def officer_role_apply(*, officer: Officer) -> Officer:
    """Give an officer the staff flag and exactly their role's group."""
    group = Group.objects.filter(name=role_group_name(officer.role)).first()
    if group is None:
        role_groups_sync()
        group = Group.objects.get(name=role_group_name(officer.role))
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    officer.groups.set([group])
    return officer


GRANTABLE_BY_DEPARTMENT_ADMIN = {Officer.Role.DEPARTMENT_ADMIN, Officer.Role.OFFICER, Officer.Role.AUDITOR}


def officer_role_problem(*, actor: Officer, officer: Officer) -> str | None:
    """Why `actor` may not give `officer` their role, department or superuser flag; None when they may."""
    if actor.is_superuser:
        return None
    if officer.is_superuser:
        return "Only a superuser can create or change a superuser."
    if actor.role == Officer.Role.STATE_ADMIN:
        return None
    if actor.role != Officer.Role.DEPARTMENT_ADMIN:
        return "Only state IT admins and department admins manage officers."
    if officer.role not in GRANTABLE_BY_DEPARTMENT_ADMIN:
        return "A department admin cannot grant this role."
    if officer.department_id != actor.department_id:
        return "A department admin manages only their own department's officers."
    return None


@transaction.atomic
def officer_role_assign(*, actor: Officer, officer: Officer) -> Officer:
    """Save an officer as `actor` set them up, after checking that the actor may grant that role."""
    problem = officer_role_problem(actor=actor, officer=officer)
    if problem:
        raise ApplicationError(problem)
    officer.full_clean(exclude=["password"])
    officer.save()
    return officer_role_apply(officer=officer)


@transaction.atomic
def officer_upsert(
    *, username: str, password: str, role: str, department: Department | None = None, **fields
) -> Officer:
    """Create a back-office login, or reset an existing one, with its role applied."""
    officer = Officer.objects.filter(username=username).first() or Officer(username=username)
    officer.role, officer.department = role, department
    for name, value in fields.items():
        setattr(officer, name, value)
    officer.set_password(password)
    officer.full_clean()
    officer.save()
    return officer_role_apply(officer=officer)


def whatsapp_number_token_set(*, number: WhatsAppNumber, token: str) -> WhatsAppNumber:
    """Store a new Graph API access token for a number, encrypted; the plain token is never saved."""
    token = token.strip()
    if not token:
        raise ApplicationError("The access token is empty.")
    number.access_token_encrypted = secret_encrypt(token)
    number.access_token_updated_at = timezone.now()
    number.save(update_fields=["access_token_encrypted", "access_token_updated_at", "updated_at"])
    return number


def whatsapp_number_token_get(*, number: WhatsAppNumber) -> str:
    """The plain access token, for the WhatsApp client only."""
    if not number.access_token_encrypted:
        raise ApplicationError(f"No access token is stored for {number}.")
    return secret_decrypt(number.access_token_encrypted)


def whatsapp_number_tokens_rotate() -> int:
    """Re-encrypt every stored access token with the newest key, so that older keys can be retired."""
    rotated = 0
    for number in WhatsAppNumber.objects.exclude(access_token_encrypted="").only("pk", "access_token_encrypted"):
        WhatsAppNumber.objects.filter(pk=number.pk, access_token_encrypted=number.access_token_encrypted).update(
            access_token_encrypted=secret_rotate(number.access_token_encrypted)
        )
        rotated += 1
    return rotated
