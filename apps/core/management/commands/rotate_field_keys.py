from django.core.management.base import BaseCommand

from apps.core.crypto import secret_rotators


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (WhatsApp tokens, portal credentials) with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        for label, rotate in secret_rotators().items():
            self.stdout.write(self.style.SUCCESS(f"{rotate()} {label} re-encrypted."))
