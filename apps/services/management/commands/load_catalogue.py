from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.services.services import CATALOGUE_DIR, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the catalogue files by code: create what is missing, take the files' corrections for services "
        "nobody edited, keep what admins edited. Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=CATALOGUE_DIR)
        parser.add_argument(
            "--force", action="store_true", help="Also overwrite services and departments that admins edited."
        )

    def handle(self, *args, directory: Path, force: bool, **options):
        try:
            result = catalogue_load(directory=directory, force=force)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Catalogue loaded. {result}"))
