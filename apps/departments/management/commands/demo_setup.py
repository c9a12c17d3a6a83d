import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.departments.models import Department, Officer, WhatsAppNumber
from apps.departments.services import officer_upsert

# username, role, department code (None: state-wide)
DEMO_OFFICERS = [
    ("stateadmin", Officer.Role.STATE_ADMIN, None),
    ("mcd.admin", Officer.Role.DEPARTMENT_ADMIN, "MCD"),
    ("mcd.officer", Officer.Role.OFFICER, "MCD"),
    ("rev.admin", Officer.Role.DEPARTMENT_ADMIN, "REV"),
    ("rev.officer", Officer.Role.OFFICER, "REV"),
    ("auditor", Officer.Role.AUDITOR, None),
]


class Command(BaseCommand):
    help = (
        "Create demo logins (a state admin, MCD and Revenue officers, an auditor) and a demo WhatsApp number per "
        "department, and print the logins. Only on the embedded SQLite database, never in production."
    )

    def handle(self, *args, **options):
        if settings.GOVCHAT_ENV == "production":
            raise CommandError("demo_setup refuses to run with GOVCHAT_ENV=production.")
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
            # Demo logins with known passwords do not belong in a shared database, even a staging one.
            self.stdout.write("==> Demo logins skipped: only the embedded SQLite database gets them.")
            return
        # Passwords are random per machine and kept only under var/ (never in the repository).
        logins_file = settings.VAR_DIR / "demo-logins.txt"
        if not logins_file.exists() or Officer.objects.filter(
            username__in=[u for u, *_ in DEMO_OFFICERS]
        ).count() < len(DEMO_OFFICERS):
            lines = []
            for username, role, department_code in DEMO_OFFICERS:
                department = Department.objects.get(code=department_code) if department_code else None
                password = secrets.token_urlsafe(12)
                officer_upsert(username=username, password=password, role=role, department=department)
                where = department_code or "all departments"
                lines.append(f"    {username:<12} {password:<18} {Officer.Role(role).label} ({where})")
            logins_file.parent.mkdir(parents=True, exist_ok=True)
            logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            logins_file.chmod(0o600)
        # A demo WhatsApp number for every department, so the simulator can chat with each of them.
        for index, department in enumerate(Department.objects.order_by("code"), start=1):
            WhatsAppNumber.objects.get_or_create(
                department=department,
                label=f"{department.code} demo number",
                defaults={"phone_number_id": f"9100000000{index:03d}", "display_number": f"+91114000{index:04d}"},
            )
        self.stdout.write("==> Demo logins (username, password, role); kept in " + str(logins_file))
        self.stdout.write(logins_file.read_text(encoding="utf-8"))
