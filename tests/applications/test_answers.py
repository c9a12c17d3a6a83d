"""What citizens type on WhatsApp, read as form answers: every field type, in English, Hindi and Hinglish."""

import datetime
import re

import pytest
from django.test import override_settings
from django.utils import translation

from apps.applications.answers import HINTS, MESSAGES, AnswerInvalid, answer_hint, answer_parse
from apps.core.aadhaar import verhoeff_valid
from apps.services.models import FieldChoice, FormField
from tests.factories import make_department, make_service

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)
AADHAAR = "234567890124"  # Verhoeff-valid, first digit 2-9
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def _field(type_: str, *, required: bool = True, choices=(), **validation) -> FormField:
    service = make_service(department=make_department())
    field = FormField.objects.create(
        service=service, key=f"{type_}_field", label_en="Question", label_hi="सवाल", type=type_,
        required=required, validation=validation,
    )  # fmt: skip
    for position, (value, label_en, label_hi) in enumerate(choices):
        FieldChoice.objects.create(field=field, value=value, label_en=label_en, label_hi=label_hi, position=position)
    return field


def _parse(field: FormField, text: str):
    return answer_parse(field=field, text=text, today=TODAY)


def _error(field: FormField, text: str, language: str = "en") -> str:
    with pytest.raises(AnswerInvalid) as caught:
        _parse(field, text)
    with translation.override(language):
        return str(caught.value.message)


def _aadhaar_with_check_digit(first_eleven: str) -> str:
    return next(first_eleven + d for d in "0123456789" if verhoeff_valid(first_eleven + d))


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "12/03/2019", "12-3-19", "12.03.2019", "12 03 2019", "12 March 2019", "12 Mar 2019", "March 12 2019",
        "March 12, 2019", "12th march 2019", "2019-03-12", "12-Mar-2019", "१२ मार्च २०१९", "१२/०३/२०१९",
        "12 maarch 2019", "12032019", "  12 /  03 / 2019. ",
    ],
)  # fmt: skip
def test_it_reads_the_ways_citizens_write_a_date(typed):
    assert _parse(_field("date"), typed).value == "2019-03-12"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("5 janvari 2020", "2020-01-05"), ("5 farvari 2020", "2020-02-05"), ("5 फरवरी 2020", "2020-02-05"),
        ("5 फ़रवरी 2020", "2020-02-05"), ("15 julai 2021", "2021-07-15"), ("2 सितम्बर 2010", "2010-09-02"),
        ("2 सितंबर 2010", "2010-09-02"), ("1 दिसम्बर 1999", "1999-12-01"), ("1st dec 1999", "1999-12-01"),
    ],
)  # fmt: skip
def test_it_reads_hindi_and_hinglish_month_names(typed, expected):
    assert _parse(_field("date"), typed).value == expected


def test_it_reads_dates_day_first():
    assert _parse(_field("date"), "03/04/2019").value == "2019-04-03"


def test_it_shows_the_date_back_in_the_citizens_language():
    field = _field("date")
    assert _parse(field, "12/03/2019").display == "12 March 2019"
    with translation.override("hi"):
        assert _parse(field, "12/03/2019").display == "12 मार्च 2019"


@pytest.mark.parametrize("typed", ["today", "Aaj", "आज"])
def test_it_reads_today(typed):
    assert _parse(_field("date", date="past"), typed).value == "2025-06-15"


def test_kal_is_yesterday_for_a_past_date_and_tomorrow_for_a_future_one():
    assert _parse(_field("date", date="past"), "kal").value == "2025-06-14"
    assert _parse(_field("date", date="future"), "कल").value == "2025-06-16"
    assert _parse(_field("date", date="past"), "parso").value == "2025-06-13"


def test_kal_without_a_past_or_future_rule_is_refused_as_ambiguous():
    field = _field("date")
    assert "yesterday or tomorrow" in _error(field, "kal")
    assert "बीता हुआ कल" in _error(field, "kal", "hi")


def test_two_digit_years_are_never_in_the_future_for_a_past_date():
    field = _field("date", date="past")
    assert _parse(field, "12/03/19").value == "2019-03-12"
    assert _parse(field, "1/1/85").value == "1985-01-01"
    assert _parse(field, "12/03/30").value == "1930-03-12"
    assert _parse(field, "14/06/25").value == "2025-06-14"
    assert _parse(field, "16/06/25").value == "1925-06-16"


def test_two_digit_years_are_this_century_for_a_future_date():
    assert _parse(_field("date", date="future"), "12/03/30").value == "2030-03-12"


@pytest.mark.parametrize("typed", ["31/02/2019", "30-02-2020", "12/13/2019", "31 april 2019"])
def test_an_impossible_date_is_named_in_the_error(typed):
    field = _field("date")
    message = _error(field, typed)
    assert "There is no date" in message
    hindi = _error(field, typed, "hi")
    assert "जैसी कोई तारीख नहीं होती" in hindi


def test_the_impossible_date_is_quoted_back_to_the_citizen():
    assert "31/02/2019" in _error(_field("date"), "31/02/2019")


def test_a_past_date_cannot_be_tomorrow():
    field = _field("date", date="past")
    assert "cannot be in the future" in _error(field, "16/06/2025")
    assert DEVANAGARI.search(_error(field, "16/06/2025", "hi"))
    assert _parse(field, "15/06/2025").value == "2025-06-15"


def test_a_future_date_cannot_be_yesterday_and_the_example_is_in_the_future():
    field = _field("date", date="future")
    message = _error(field, "14/06/2025")
    assert "cannot be in the past" in message
    assert "15/07/2025" in message
    assert _parse(field, "15/06/2025").value == "2025-06-15"


def test_dates_before_1900_are_refused():
    assert "1900" in _error(_field("date"), "12/03/1899")


@pytest.mark.parametrize("typed", ["next week", "12 2019", "12 march", "march 2019", "32/01/2019x"])
def test_text_that_is_not_a_date_asks_for_one_with_an_example(typed):
    field = _field("date")
    assert "12/03/2019" in _error(field, typed)
    assert "दिन/महीना/साल" in _error(field, typed, "hi")


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1,20,000", 120000), ("₹ 500", 500), ("Rs. 500/-", 500), ("500 rupees", 500), ("४५", 45),
        ("45 saal", 45), ("2 lakh", 200000), ("1.5 lakh", 150000), ("₹1,20,000.00", 120000), ("3 हज़ार", 3000),
    ],
)  # fmt: skip
def test_it_reads_numbers_as_citizens_write_them(typed, expected):
    answer = _parse(_field("number"), typed)
    assert answer.value == expected


def test_numbers_are_shown_back_with_indian_grouping():
    assert _parse(_field("number"), "120000").display == "1,20,000"


@pytest.mark.parametrize("typed", ["abc", "12.5", "twenty", "5 apples"])
def test_text_that_is_not_a_whole_number_asks_for_digits(typed):
    assert "like 25" in _error(_field("number"), typed)


def test_a_number_out_of_range_names_both_bounds():
    field = _field("number", min=0, max=120)
    assert "from 0 to 120" in _error(field, "150")
    assert "0 से 120 के बीच" in _error(field, "150", "hi")
    assert _parse(field, "120").value == 120


def test_a_number_with_one_bound_names_it_in_indian_grouping():
    assert "1,000" in _error(_field("number", min=1000), "999")
    assert "1,00,000" in _error(_field("number", max=100000), "100001")


# --- text -------------------------------------------------------------------------------------------


def test_text_is_kept_with_its_spaces_collapsed():
    assert _parse(_field("text"), "  Ram   Kumar  ").value == "Ram Kumar"


def test_text_length_limits_name_the_limit():
    field = _field("text", min_length=3, max_length=10)
    assert "at least 3" in _error(field, "ab")
    assert "at most 10" in _error(field, "a" * 11)
    assert "कम से कम 3 अक्षर" in _error(field, "ab", "hi")


def test_a_regex_field_uses_its_own_message_in_each_language():
    field = _field(
        "text",
        regex=r"[0-9]{10}",
        message_en="The K No. has 10 digits.",
        message_hi="के-नंबर 10 अंकों का होता है।",
    )
    assert _error(field, "12345") == "The K No. has 10 digits."
    assert _error(field, "12345", "hi") == "के-नंबर 10 अंकों का होता है।"
    assert _parse(field, "१२३४५६७८९०").value == "1234567890"


def test_an_aadhaar_number_typed_into_a_text_field_is_masked():
    answer = _parse(_field("text"), f"my aadhaar {AADHAAR}")
    assert AADHAAR not in answer.value
    assert answer.value == "my aadhaar XXXXXXXX0124"


# --- phone, PIN code, email -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["9876543210", "+91 98765 43210", "+919876543210", "919876543210", "09876543210", "98765-43210",
              "९८७६५४३२१०", "(+91) 98765 43210"],
)  # fmt: skip
def test_it_reads_indian_mobile_numbers(typed):
    assert _parse(_field("phone"), typed).value == "9876543210"


@pytest.mark.parametrize("typed", ["12345", "5876543210", "01123456789", "98765432101", "phone"])
def test_a_number_that_is_not_a_mobile_asks_for_ten_digits(typed):
    field = _field("phone")
    assert "10-digit mobile number" in _error(field, typed)
    assert "10 अंकों का मोबाइल नंबर" in _error(field, typed, "hi")


@pytest.mark.parametrize(
    "typed, expected", [("110001", "110001"), ("110 001", "110001"), ("११००९२", "110092"), ("110110", "110110")]
)
def test_it_reads_delhi_pin_codes(typed, expected):
    assert _parse(_field("pincode"), typed).value == expected


def test_a_pin_code_outside_delhi_is_told_delhi_codes_start_with_110():
    field = _field("pincode")
    assert "Delhi PIN codes start with 110" in _error(field, "400001")
    assert "दिल्ली के पिनकोड 110 से शुरू होते हैं" in _error(field, "400001", "hi")


@pytest.mark.parametrize("typed", ["110000", "11001", "1100011", "011001", "pin"])
def test_something_that_is_no_pin_code_asks_for_six_digits(typed):
    assert "6-digit Delhi PIN code" in _error(_field("pincode"), typed)


def test_email_is_lower_cased():
    assert _parse(_field("email"), " Ram.Kumar@Example.COM ").value == "ram.kumar@example.com"


@pytest.mark.parametrize("typed", ["ram@", "ram at gmail dot com", "ram@gmail", "ram..k@gmail.com", "@gmail.com"])
def test_a_bad_email_asks_for_one_with_an_example(typed):
    assert "name@example.com" in _error(_field("email"), typed)


# --- Aadhaar ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2345 6789 0124", "234567890124", "2345-6789-0124", "२३४५ ६७८९ ०१२४"])
def test_an_aadhaar_number_is_kept_only_masked(typed):
    answer = _parse(_field("aadhaar"), typed)
    assert answer.value == "XXXX XXXX 0124"
    assert answer.display == "XXXX XXXX 0124"
    assert "2345" not in answer.value + answer.display and "6789" not in answer.value + answer.display


def test_the_aadhaar_hash_matches_the_same_number_however_typed_and_differs_for_another():
    field = _field("aadhaar")
    first = _parse(field, "2345 6789 0124").aadhaar_hash
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert _parse(field, "२३४५-६७८९-०१२४").aadhaar_hash == first
    other = _aadhaar_with_check_digit("98765432101")
    assert _parse(field, other).aadhaar_hash != first


def test_the_aadhaar_hash_depends_on_the_key():
    field = _field("aadhaar")
    with override_settings(AADHAAR_HASH_KEY="one-key"):
        first = _parse(field, AADHAAR).aadhaar_hash
        assert _parse(field, AADHAAR).aadhaar_hash == first
    with override_settings(AADHAAR_HASH_KEY="another-key"):
        assert _parse(field, AADHAAR).aadhaar_hash != first


@pytest.mark.parametrize("typed", ["234567890123", "134567890124", "034567890124"])
def test_a_wrong_aadhaar_number_asks_to_check_the_digits(typed):
    field = _field("aadhaar")
    assert _error(field, typed).startswith("This Aadhaar number is not valid. Please check the digits")
    assert "यह आधार नंबर सही नहीं है" in _error(field, typed, "hi")


@pytest.mark.parametrize("typed", ["2345 6789 012", "2345678901245", "aadhaar"])
def test_something_that_is_no_aadhaar_number_asks_for_twelve_digits(typed):
    assert "12-digit Aadhaar number" in _error(_field("aadhaar"), typed)


# --- yes / no ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["yes", "Y", "haan", "han", "ha", "ji", "hanji", "Haan ji!", "हाँ", "हां", "जी"])
def test_it_reads_yes(typed):
    assert _parse(_field("yesno"), typed).value is True


@pytest.mark.parametrize("typed", ["no", "N", "nahi", "nahin", "nhi", "na", "नहीं", "ना", "नहीं।"])
def test_it_reads_no(typed):
    assert _parse(_field("yesno"), typed).value is False


def test_yes_is_shown_back_in_the_citizens_language_and_anything_else_asks_again():
    field = _field("yesno")
    with translation.override("hi"):
        assert _parse(field, "yes").display == "हाँ"
    assert "yes or no" in _error(field, "maybe")
    assert "हाँ या नहीं" in _error(field, "maybe", "hi")


# --- choices ----------------------------------------------------------------------------------------

GENDER = [("male", "Male", "पुरुष"), ("female", "Female", "महिला"), ("transgender", "Transgender", "ट्रांसजेंडर")]
PLACE = [("hospital", "Hospital / nursing home", "अस्पताल / नर्सिंग होम"), ("home", "At home", "घर पर"),
         ("other", "Other place", "किसी और जगह")]  # fmt: skip


@pytest.mark.parametrize(
    "typed, expected",
    [("female", "female"), ("2", "female"), ("२", "female"), ("Female", "female"), ("FEMALE.", "female"),
     ("महिला", "female"), ("femal", "female"), ("Transgendr", "transgender"), ("पुरुष", "male")],
)  # fmt: skip
def test_it_reads_a_choice_by_value_number_label_hindi_label_or_a_close_spelling(typed, expected):
    assert _parse(_field("choice", choices=GENDER), typed).value == expected


@pytest.mark.parametrize(
    "typed, expected", [("hospital", "hospital"), ("nursing home", "hospital"), ("अस्पताल", "hospital"),
                        ("at home", "home"), ("घर पर", "home"), ("hospitl", "hospital")],
)  # fmt: skip
def test_it_reads_part_of_a_two_part_label(typed, expected):
    assert _parse(_field("choice", choices=PLACE), typed).value == expected


def test_the_chosen_label_is_shown_in_the_citizens_language():
    field = _field("choice", choices=GENDER)
    assert _parse(field, "2").display == "Female"
    with translation.override("hi"):
        assert _parse(field, "2").display == "महिला"


@pytest.mark.parametrize("typed", ["mal", "4", "0", "something else"])
def test_an_unclear_choice_lists_the_options_with_their_numbers(typed):
    field = _field("choice", choices=GENDER)
    message = _error(field, typed)
    assert "1. Male\n2. Female\n3. Transgender" in message
    hindi = _error(field, typed, "hi")
    assert "1. पुरुष\n2. महिला\n3. ट्रांसजेंडर" in hindi
    assert "विकल्प" in hindi


# --- empty answers and skipping ---------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["text", "date", "number", "phone", "aadhaar", "pincode", "email", "yesno"])
def test_an_empty_answer_to_a_required_question_says_it_is_needed(type_):
    field = _field(type_)
    assert "needed" in _error(field, "   ")
    assert "ज़रूरी" in _error(field, "skip", "hi")


@pytest.mark.parametrize("typed", ["", "skip", "Skip", "chhodo", "छोड़ें"])
def test_an_optional_question_can_be_skipped(typed):
    answer = _parse(_field("text", required=False), typed)
    assert answer.value == ""


# --- hints and translations -------------------------------------------------------------------------


def test_hints_say_what_to_send_in_the_citizens_language():
    assert answer_hint(field=_field("date")) == "Send the date like 12/03/2019 (day/month/year)"
    assert answer_hint(field=_field("pincode")) == "Send a 6-digit Delhi PIN code, like 110001"
    assert answer_hint(field=_field("number", min=0, max=120)) == "Send a number from 0 to 120"
    with translation.override("hi"):
        assert DEVANAGARI.search(answer_hint(field=_field("aadhaar")))
        assert "पिनकोड" in answer_hint(field=_field("pincode"))


def test_a_choice_question_has_no_hint_because_the_flow_shows_the_options():
    assert answer_hint(field=_field("choice", choices=GENDER)) == ""


def test_every_message_and_hint_has_a_hindi_translation():
    for text in [*MESSAGES.values(), *HINTS.values()]:
        with translation.override("hi"):
            hindi = str(text)
        assert DEVANAGARI.search(hindi), f"no Hindi for {text!s}"
