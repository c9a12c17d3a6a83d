import re

import pytest

from apps.applications.models import Application
from apps.core.exceptions import ApplicationError
from apps.core.references import reference_new, reference_unique, token_unique, value_unique
from tests.factories import make_application, make_department, make_service

pytestmark = pytest.mark.django_db


def test_a_reference_is_its_prefix_the_year_and_seven_digits():
    assert re.fullmatch(r"DLG\d{2}\d{7}", reference_new(prefix="DLG"))
    assert re.fullmatch(r"DLA\d{9}", reference_unique(model=Application, prefix="DLA"))


def test_a_reference_already_given_is_never_given_again():
    taken = make_application(service=make_service(department=make_department())).reference
    offered = iter([taken, taken, "DLA269999999"])
    assert value_unique(model=Application, field="reference", new=lambda: next(offered)) == "DLA269999999"


def test_it_gives_up_with_a_message_when_every_try_is_taken():
    taken = make_application(service=make_service(department=make_department())).reference
    with pytest.raises(ApplicationError, match="try again"):
        value_unique(model=Application, field="reference", new=lambda: taken)


def test_a_verify_token_is_long_enough_not_to_be_guessed():
    from apps.applications.models import Certificate

    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token_unique(model=Certificate))
