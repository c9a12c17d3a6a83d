"""Cross-cutting services: the background heartbeat."""

import socket

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str) -> Heartbeat:
    """Record that `name` is alive now, on this host. Running it twice just moves the time on."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"hostname": socket.gethostname(), "last_seen": timezone.now()}
    )
    return heartbeat
