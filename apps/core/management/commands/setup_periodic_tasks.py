from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# Every periodic task, declared here and nowhere else: (name, task, every N seconds, kwargs JSON).
PERIODIC_TASKS = [
    ("heartbeat", "apps.core.tasks.heartbeat_record_task", 60, '{"name": "worker"}'),
    ("re-queue unprocessed webhook events", "apps.whatsapp.tasks.webhook_sweep_task", 60, "{}"),
    ("re-queue unprocessed inbound messages", "apps.conversations.tasks.inbound_sweep_task", 60, "{}"),
    ("flag outbound messages left mid-send", "apps.conversations.tasks.outbound_settle_task", 120, "{}"),
    ("reconcile open payments with the gateway", "apps.payments.tasks.payments_reconcile_task", 60, "{}"),
    ("close application drafts left too long", "apps.applications.tasks.application_drafts_expire_task", 3600, "{}"),
    ("send applications waiting for a portal", "apps.applications.tasks.portal_submissions_sweep_task", 60, "{}"),
    ("ask portals about applications with no news", "apps.applications.tasks.portal_polls_sweep_task", 600, "{}"),
]


class Command(BaseCommand):
    help = "Create or update the Celery beat schedule from the list in code (safe to repeat)."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, task, seconds, kwargs in PERIODIC_TASKS:
            schedule, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "interval": schedule, "kwargs": kwargs, "enabled": True}
            )
        self.stdout.write(self.style.SUCCESS(f"{len(PERIODIC_TASKS)} periodic task(s) scheduled."))
