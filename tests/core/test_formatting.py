import datetime

from django.utils import translation

from apps.core.formatting import date_display, datetime_display, indian_grouping, rupees


def test_amounts_are_grouped_in_lakhs_and_crores():
    assert indian_grouping(1_20_000) == "1,20,000"
    assert indian_grouping(12_34_56_789) == "12,34,56,789"
    assert indian_grouping(999) == "999"
    assert indian_grouping(-1_500) == "-1,500"


def test_rupees_show_paise_only_when_there_are_any():
    assert rupees(12_345_600) == "₹1,23,456"
    assert rupees(12_345_650) == "₹1,23,456.50"
    assert rupees(5) == "₹0.05"


def test_dates_are_shown_in_the_active_language_with_november_spelled_right():
    day = datetime.date(2026, 11, 28)
    with translation.override("hi"):
        assert date_display(day=day) == "28 नवंबर 2026"
    with translation.override("en"):
        assert date_display(day=day) == "28 November 2026"
    assert date_display(day=day, language="hi") == "28 नवंबर 2026"


def test_a_moment_is_shown_in_delhi_time():
    moment = datetime.datetime(2026, 3, 5, 9, 0, tzinfo=datetime.UTC)
    assert datetime_display(moment=moment, language="en") == "5 March 2026, 14:30 IST"
    assert datetime_display(moment=moment, language="hi") == "5 मार्च 2026, 14:30 IST"
