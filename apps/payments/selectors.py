"""Reading payments for the back office: the daily collection, aggregated in the database."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import get_language

from apps.core.formatting import rupees

from .models import Payment

State = Payment.State
OPEN = (State.CREATED, State.PENDING)


@dataclass
class CollectionRow:
    """One day and service (or a day's or the range's total): money in, money back, and what waits."""

    day: datetime.date | None
    service: str
    paid_count: int = 0
    paid_paise: int = 0
    refund_count: int = 0
    refund_paise: int = 0
    open_count: int = 0
    flagged_count: int = 0

    @property
    def net_paise(self) -> int:
        return self.paid_paise - self.refund_paise

    @property
    def paid_rupees(self) -> str:
        return rupees(self.paid_paise)

    @property
    def refund_rupees(self) -> str:
        return rupees(self.refund_paise)

    @property
    def net_rupees(self) -> str:
        return ("−" if self.net_paise < 0 else "") + rupees(abs(self.net_paise))

    def add(self, other: CollectionRow) -> None:
        for name in ("paid_count", "paid_paise", "refund_count", "refund_paise", "open_count", "flagged_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DailyCollection:
    """The rows by day (newest first) and service, each day's subtotal, and the total of the range."""

    days: list[tuple[datetime.date, list[CollectionRow], CollectionRow]] = field(default_factory=list)
    total: CollectionRow = field(default_factory=lambda: CollectionRow(day=None, service=""))


def payment_daily_collection(*, queryset: QuerySet[Payment], start: datetime.date,
                             end: datetime.date) -> DailyCollection:  # fmt: skip
    """Per day (in Delhi time) and service, between `start` and `end` inclusive, of the payments in `queryset`
    (already scoped to the officer's departments): payments received (count and ₹, by the day paid; a payment
    refunded later still counts on the day it came in), refunds (by the day refunded), and payments created that
    day still open or flagged for an officer. Three grouped queries; nothing is summed in Python but the
    subtotals of what they return."""
    hindi = (get_language() or "").startswith("hi")
    rows: dict[tuple[datetime.date, int], CollectionRow] = {}
    names: dict[int, str] = {}

    def row(values: dict, day_key: str) -> CollectionRow:
        key = (values[day_key], values["service_id"])
        name = (values["service__name_hi"] if hindi else "") or values["service__name_en"]
        names[values["service_id"]] = f"{name} ({values['service__code']})"
        return rows.setdefault(key, CollectionRow(day=values[day_key], service=""))

    group = ("service_id", "service__code", "service__name_en", "service__name_hi")
    paid = (
        queryset.filter(state__in=[State.PAID, State.REFUNDED], paid_at__isnull=False)
        .annotate(day=TruncDate("paid_at"))
        .filter(day__gte=start, day__lte=end)
        .values("day", *group)
        .annotate(count=Count("id"), paise=Sum("amount_paise"))
        .order_by()
    )
    for values in paid:
        item = row(values, "day")
        item.paid_count, item.paid_paise = values["count"], values["paise"] or 0
    refunds = (
        queryset.filter(state=State.REFUNDED, closed_at__isnull=False)
        .annotate(day=TruncDate("closed_at"))
        .filter(day__gte=start, day__lte=end)
        .values("day", *group)
        .annotate(count=Count("id"), paise=Sum("amount_paise"))
        .order_by()
    )
    for values in refunds:
        item = row(values, "day")
        item.refund_count, item.refund_paise = values["count"], values["paise"] or 0
    waiting = (
        queryset.filter(Q(state__in=OPEN) | Q(needs_attention=True))
        .annotate(day=TruncDate("created_at"))
        .filter(day__gte=start, day__lte=end)
        .values("day", *group)
        .annotate(open=Count("id", filter=Q(state__in=OPEN)), flagged=Count("id", filter=Q(needs_attention=True)))
        .order_by()
    )
    for values in waiting:
        item = row(values, "day")
        item.open_count, item.flagged_count = values["open"], values["flagged"]

    collection = DailyCollection()
    by_day: dict[datetime.date, list[CollectionRow]] = defaultdict(list)
    for (day, service_id), item in rows.items():
        item.service = names[service_id]
        by_day[day].append(item)
    for day in sorted(by_day, reverse=True):
        items = sorted(by_day[day], key=lambda item: item.service)
        subtotal = CollectionRow(day=day, service="")
        for item in items:
            subtotal.add(item)
        collection.total.add(subtotal)
        collection.days.append((day, items, subtotal))
    return collection


def payment_get_by_reference(*, reference: str) -> Payment | None:
    """One payment by its DLP reference (what the citizen quotes in the chat)."""
    return Payment.objects.filter(reference=reference.upper()).select_related("service").first()
