from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bilingual import bilingual_problem


class TimeStampedModel(models.Model):
    """Base for rows an officer or auditor may ask "when was this made, when last changed?"."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BilingualModel(models.Model):
    """Validates that every translated field in `bilingual_fields` reads in both English and Hindi.

    `optional_bilingual_fields` may be empty in both languages, but never in only one.
    """

    bilingual_fields: tuple[str, ...] = ()
    optional_bilingual_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors = {}
        for name in (*self.bilingual_fields, *self.optional_bilingual_fields):
            en, hi = getattr(self, f"{name}_en", None), getattr(self, f"{name}_hi", None)
            problem = bilingual_problem(en, hi, required=name in self.bilingual_fields)
            if problem:
                errors[f"{name}_hi" if "Hindi" in problem else f"{name}_en"] = problem[0].upper() + problem[1:] + "."
        if errors:
            raise ValidationError(errors)


class Heartbeat(models.Model):
    """The last time a background part of the system proved it was alive (beat scheduled, a worker ran).

    Beat queues `heartbeat_record_task` every minute and a worker runs it, so an old `last_seen` tells the
    operator that beat or every worker has stopped.
    """

    name = models.CharField(_("name"), max_length=50, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
