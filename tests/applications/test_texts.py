"""Every update an application sends the citizen reads in Hindi as well as English, with the same blanks."""

import re

from django.utils import translation

from apps.applications import texts
from apps.applications.models import Application

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_every_application_update_and_state_name_has_hindi():
    assert set(Application.State.values) - {"draft"} <= set(texts.UPDATES)  # a draft tells nobody anything
    for state, text in texts.UPDATES.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("hi"):
            hindi = str(text)
        assert hindi != english and DEVANAGARI.search(hindi), state
        assert sorted(re.findall(r"%\(\w+\)s", hindi)) == sorted(re.findall(r"%\(\w+\)s", english)), state
    for value, label in Application.State.choices:  # the status answer names the state
        with translation.override("hi"):
            assert DEVANAGARI.search(str(label)), value
