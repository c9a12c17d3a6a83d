"""The conversation engine through the real webhook path, in English and Hindi: what the citizen sees."""

import re

import pytest

from apps.conversations.engine import texts
from apps.conversations.models import Citizen, Conversation, Message

from .chat import now

pytestmark = pytest.mark.django_db

MENU_ROWS = ["Certificates", "Pensions and welfare", "Bills and taxes", "Licences", "Police verification",
             "Grievances", "Check status", "Other services", "Talk to an officer"]  # fmt: skip
HINDI_MENU_ROWS = ["प्रमाण पत्र", "पेंशन और कल्याण", "बिल और टैक्स", "लाइसेंस", "पुलिस सत्यापन", "शिकायतें",
                   "स्थिति जानें", "अन्य सेवाएँ", "अधिकारी से बात करें"]  # fmt: skip


def test_first_contact_welcomes_in_both_languages_and_asks_for_consent_before_anything(chat):
    phone = chat()

    [welcome] = phone.send("hello")
    assert "नमस्ते! मैं दिल्ली सरकार का व्हाट्सएप सहायक हूँ।" in welcome.text
    assert "Hello! I am the Delhi Government's WhatsApp assistant." in welcome.text
    assert welcome.titles == ["हिंदी", "English"]

    [notice] = phone.tap("English")
    assert "Digital Personal Data Protection Act, 2023" in notice.text
    for heading in ("*What*", "*Why*", "*How long*", "*Your rights*", "STOP"):
        assert heading in notice.text
    assert notice.titles == ["I agree", "I do not agree"]

    [reminder] = phone.send("birth certificate")  # nothing proceeds until consent
    assert reminder.text == str(texts.CONSENT_REMINDER) and reminder.titles == ["I agree", "I do not agree"]
    citizen = Citizen.objects.get(wa_id=phone.wa_id)
    assert citizen.consent_at is None and citizen.language == "en"

    thanks, card, next_step = phone.tap("I agree")
    citizen.refresh_from_db()
    assert citizen.consent_at is not None and citizen.consent_version == texts.CONSENT_VERSION
    assert thanks.text == "Thank you, your consent is recorded."
    # What they asked for before agreeing is answered now, not lost.
    assert card.text.startswith("*Birth certificate*") and next_step.titles == ["Apply", "Check status", "Main menu"]


def test_english_journey_menu_category_service_card(chat):
    phone = chat()
    _, menu = phone.start("English")
    assert menu.titles == MENU_ROWS and menu.list_button == "See services"

    [certificates] = phone.tap("Certificates")
    assert certificates.text == "Certificates: choose a service."
    assert certificates.titles[:3] == ["Birth certificate", "Name inclusion in birth…", "Death certificate"]
    assert certificates.titles[-1] == "More options" and len(certificates.rows) == 10  # 9 a page, then "more"

    [page_two] = phone.tap("More options")
    assert page_two.titles and "Birth certificate" not in page_two.titles

    card, next_step = phone.tap("Birth certificate", certificates)
    for expected in ("*Birth certificate*", "Department:", "*Who is eligible*", "*Documents needed*",
                     "Proof of address", "*If applicable*", "*Fee*: Free", "*Time taken*: Usually 7 days"):  # fmt: skip
        assert expected in card.text
    assert next_step.titles == ["Apply", "Check status", "Main menu"]

    [back] = phone.send("back")
    assert back.text == "Certificates: choose a service."


def test_hindi_journey_reads_naturally_end_to_end(chat):
    phone = chat()
    phone.send("नमस्ते")
    [notice] = phone.tap("हिंदी")
    assert "डिजिटल व्यक्तिगत डेटा संरक्षण अधिनियम, 2023" in notice.text
    assert notice.titles == ["मैं सहमत हूँ", "मैं सहमत नहीं हूँ"]

    thanks, menu = phone.tap("मैं सहमत हूँ")
    assert thanks.text == "धन्यवाद, आपकी सहमति दर्ज कर ली गई है।"
    assert menu.titles == HINDI_MENU_ROWS and menu.list_button == "सेवाएँ देखें"
    assert menu.text.startswith("आपको किस काम में मदद चाहिए?")

    [pensions] = phone.send("२")  # a row number, in Devanagari digits
    assert pensions.text == "पेंशन और कल्याण: कोई सेवा चुनें।"
    assert "वृद्धावस्था पेंशन" in pensions.titles

    card, next_step = phone.tap("वृद्धावस्था पेंशन")
    assert card.text.startswith("*वृद्धावस्था पेंशन*")
    for expected in ("विभाग: समाज कल्याण विभाग", "*पात्रता*", "*ज़रूरी दस्तावेज़*", "*फ़ीस*", "*लगने वाला समय*"):
        assert expected in card.text
    assert next_step.titles == ["आवेदन करें", "स्थिति जानें", "मुख्य मेनू"]

    intro, options = phone.tap("आवेदन करें")
    assert intro.text.startswith("*वृद्धावस्था पेंशन* के लिए आवेदन।") and "*कौन आवेदन कर सकता है*" in intro.text
    assert "हर जवाब साथ-साथ सहेजा जाता है।" in intro.text
    assert options.titles == ["शुरू करें", "मुख्य मेनू"]


def test_free_text_in_hinglish_goes_straight_to_the_service(chat):
    phone = chat()
    phone.start("हिंदी")

    card, next_step = phone.send("mujhe janm praman patra chahiye")

    assert card.text.startswith("*जन्म प्रमाण पत्र*")
    assert next_step.titles == ["आवेदन करें", "स्थिति जानें", "मुख्य मेनू"]


def test_the_language_switches_mid_flow_and_the_same_step_is_shown_again(chat):
    phone = chat()
    phone.start("English")
    phone.tap("Certificates")

    switched, category = phone.send("Hindi")
    assert switched.text == "ठीक है, अब जवाब हिंदी में मिलेंगे।"
    assert category.text == "प्रमाण पत्र: कोई सेवा चुनें।" and "जन्म प्रमाण पत्र" in category.titles

    switched, category = phone.send("angrezi")
    assert switched.text == "All right, replies will now be in English."
    assert category.text == "Certificates: choose a service."
    assert Citizen.objects.get(wa_id=phone.wa_id).language == "en"


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("English", "status of dla-26-0001234", "We could not find application DLA260001234. Please check the number"),
        ("हिंदी", "मेरा आवेदन dla 26 ०००१२३४", "आवेदन DLA260001234 नहीं मिला। कृपया नंबर जाँचकर दोबारा भेजें।"),
        ("English", "DLG260000123", "We could not find grievance DLG260000123."),
    ],
)
def test_status_by_reference_says_plainly_when_it_is_not_found(chat, language, typed, expected):
    phone = chat()
    phone.start(language)

    [answer] = phone.send(typed)

    assert answer.text.startswith(expected)
    assert len(answer.buttons) == 3


def test_status_asks_for_the_reference_and_my_applications_is_empty_for_now(chat):
    phone = chat()
    phone.start("English")
    phone.tap("Check status")

    [ask] = phone.tap("By reference number")
    assert ask.text.startswith("Please send your reference number.")
    [wrong] = phone.send("12345")
    assert wrong.text.startswith("That does not look like a reference number.")
    [answer] = phone.send("dla260001234")
    assert "DLA260001234" in answer.text

    [mine] = phone.tap("My applications", ask)
    assert mine.text.startswith("You have no applications made on WhatsApp yet.")


def test_talk_to_an_officer_flags_the_conversation_and_the_bot_stays_quiet(chat):
    phone = chat()
    phone.start("English")

    [told] = phone.tap("Talk to an officer")
    assert told.text.startswith("An officer of the ") and "stay quiet" in told.text
    conversation = phone.conversation
    assert conversation.needs_attention and conversation.mode == Conversation.Mode.HUMAN
    assert conversation.handoff_reason == Conversation.HandoffReason.ASKED

    assert phone.send("hello? anyone?") == []
    assert phone.send("birth certificate") == []  # the officer answers now, not the bot


def test_three_messages_not_understood_bring_an_officer(chat):
    phone = chat()
    phone.start("English")

    [first] = phone.send("asdf qwerty")
    assert first.text.startswith("Sorry, that was not understood.")
    assert first.titles == ["Main menu", "Talk to an officer"]
    phone.send("zxcv")
    [handoff] = phone.send("plmokn")

    assert handoff.text.startswith("Sorry, this was not understood again, so a person will help you.")
    conversation = phone.conversation
    assert conversation.needs_attention and conversation.handoff_reason == Conversation.HandoffReason.NOT_UNDERSTOOD


def test_menu_while_waiting_for_an_officer_brings_the_citizen_back_to_the_bot(chat):
    phone = chat()
    phone.start("English")
    phone.send("I want to talk to an officer")

    (back,) = phone.send("menu")

    assert back.text.startswith("All right, you are back with the assistant.") and back.titles == MENU_ROWS
    assert not phone.conversation.needs_attention and phone.conversation.mode == Conversation.Mode.BOT


def test_stop_withdraws_consent_and_start_asks_for_it_again(chat):
    phone = chat()
    phone.start("हिंदी")

    [stopped] = phone.send("band karo")
    citizen = Citizen.objects.get(wa_id=phone.wa_id)
    assert citizen.opted_out_at is not None and citizen.consent_at is None and citizen.consent_withdrawn_at
    assert stopped.text.startswith("हो गया: अब आपको हमारी ओर से कोई सूचना या रिमाइंडर नहीं भेजा जाएगा")

    welcome_back, notice = phone.send("START")
    citizen.refresh_from_db()
    assert citizen.opted_out_at is None
    assert welcome_back.text == "फिर से स्वागत है! अब आपको हमारी सूचनाएँ फिर से मिलेंगी।"
    assert notice.titles == ["मैं सहमत हूँ", "मैं सहमत नहीं हूँ"]


def test_help_and_stop_work_before_consent(chat):
    phone = chat()
    phone.send("hi")

    [help_text] = phone.send("help")
    assert "MENU" in help_text.text and "OFFICER" in help_text.text
    [stopped] = phone.send("STOP")
    assert "consent is withdrawn" in stopped.text
    assert Citizen.objects.get(wa_id=phone.wa_id).opted_out_at is not None


def test_a_burst_of_three_messages_is_answered_in_the_order_written(chat):
    phone = chat()
    phone.start("English")
    at = now()
    # Meta may deliver them in one POST, out of order: the time they were written decides.
    phone.items_post([phone.text_item("DLA260000003", at=at + 2), phone.text_item("DLA260000001", at=at),
                      phone.text_item("DLA260000002", at=at + 1)])  # fmt: skip

    answers = phone.replies()

    assert [re.search(r"DLA\d+", answer.text).group() for answer in answers] == [
        "DLA260000001", "DLA260000002", "DLA260000003"
    ]  # fmt: skip
    assert not Message.objects.filter(direction="in", processed_at__isnull=True).exists()


def test_the_state_survives_a_restart(chat):
    phone = chat()
    phone.start("English")
    phone.tap("Certificates")
    from apps.conversations.understanding import catalogue_index_clear

    catalogue_index_clear()  # a new worker process: nothing in memory, only the database
    restarted = chat()  # the same citizen, a fresh phone object
    restarted.seen = phone.seen

    [back] = restarted.send("back")

    assert back.titles == MENU_ROWS
    assert phone.conversation.state == "menu"


def test_a_voice_note_gets_a_polite_request_for_text(chat):
    from apps.simulator.simulator import message_item

    phone = chat()
    phone.start("English")
    voice = message_item(phone.number, phone.phone, "audio", {"id": "media-1", "mime_type": "audio/ogg", "voice": True})

    phone.items_post([voice])

    [reply] = phone.replies()
    assert reply.text.startswith("For now only typed messages and button taps can be read.")


def test_cancel_and_menu_work_inside_a_flow(chat):
    phone = chat()
    phone.start("हिंदी")
    phone.send("status")

    [cancelled] = phone.send("रद्द करो")

    assert cancelled.text.startswith("रद्द कर दिया गया।") and cancelled.titles == HINDI_MENU_ROWS
    assert phone.conversation.state == "menu"
