from django.core.management.base import BaseCommand

from apps.departments.services import whatsapp_number_tokens_rotate
from apps.portals.config import portal_connection_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (WhatsApp tokens, portal credentials) with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        tokens, portals = whatsapp_number_tokens_rotate(), portal_connection_secrets_rotate()
        self.stdout.write(self.style.SUCCESS(f"{tokens} access token(s) re-encrypted."))
        self.stdout.write(self.style.SUCCESS(f"{portals} portal connection(s) re-encrypted."))
