from django.core.management.base import BaseCommand

from apps.departments.services import whatsapp_number_tokens_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored access tokens with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{whatsapp_number_tokens_rotate()} access token(s) re-encrypted."))
