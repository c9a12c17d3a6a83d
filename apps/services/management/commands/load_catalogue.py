from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.services.services import CATALOGUE_DIR, catalogue_load


class Command(BaseCommand):
    help = "Load the departments and services of the catalogue files, upserting by code (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=CATALOGUE_DIR)
        parser.add_argument(
            "--new-only",
            action="store_true",
            help="Only add departments and services not yet in the database; keep admins' edits to the rest.",
        )

    def handle(self, *args, directory: Path, new_only: bool, **options):
        try:
            result = catalogue_load(directory=directory, new_only=new_only)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Catalogue loaded. {result}"))
