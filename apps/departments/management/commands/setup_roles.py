from django.core.management.base import BaseCommand

from apps.departments.services import role_groups_sync


class Command(BaseCommand):
    help = "Create or refresh the permission group of every role (run after each migrate)."

    def handle(self, *args, **options):
        counts = role_groups_sync()
        self.stdout.write(self.style.SUCCESS("Roles: " + ", ".join(f"{r} {n} permissions" for r, n in counts.items())))
