from datetime import date

from apps.core.sla import sla_compensation, sla_days_late, sla_days_left, sla_due_date


def test_the_due_date_counts_calendar_days_weekends_included():
    # Friday 27 Feb 2026 + 7 days is Friday 6 March: Saturdays and Sundays count (the Act's calendar days).
    assert sla_due_date(start=date(2026, 2, 27), days=7) == date(2026, 3, 6)


def test_days_late_start_the_day_after_the_due_date():
    due = date(2026, 3, 6)
    assert sla_days_late(due_date=due, on=date(2026, 3, 6)) == 0
    assert sla_days_late(due_date=due, on=date(2026, 3, 9)) == 3
    assert sla_days_late(due_date=None, on=date(2026, 3, 9)) == 0
    assert sla_days_left(due_date=due, on=date(2026, 3, 4)) == 2


def test_compensation_grows_by_the_day_up_to_the_cap():
    assert sla_compensation(days_late=3, per_day=10, cap=200) == 30
    assert sla_compensation(days_late=45, per_day=10, cap=200) == 200
