"""A citizen chats in the simulator in a real browser: their messages go through the signed webhook, the
bot's buttons show and can be tapped, and the ticks follow the status webhooks."""

import pytest
from django.conf import settings
from django.db import transaction

from apps.conversations import outbound
from apps.conversations.models import Conversation, Message
from tests.factories import make_department, make_number

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OGG = b"OggS\x00\x02" + bytes(64)


@pytest.fixture(autouse=True)
def _app_secret(settings):
    settings.WHATSAPP_APP_SECRET = "browser-test-app-secret"


@pytest.fixture
def numbers(db):
    mcd = make_department(code="MCD", name_en="Municipal Corporation of Delhi", name_hi="दिल्ली नगर निगम")
    rev = make_department(code="REV", name_en="Revenue Department", name_hi="राजस्व विभाग")
    return [
        make_number(department=rev, phone_number_id="106540352242923", display_number="+911140000002"),
        make_number(department=mcd, phone_number_id="106540352242922", display_number="+911140000001"),
    ]


def screenshot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def send(page, text: str) -> None:
    page.fill("#message-input", text)
    page.click("#send")


def test_a_citizen_chats_taps_a_button_and_sees_the_ticks(page, live_server, numbers):
    page.goto(f"{live_server.url}/simulator/")
    page.select_option("#number", "106540352242922")
    page.fill("#name", "Sunita Devi")
    assert "दिल्ली नगर निगम" in page.inner_text("#chat-title")

    send(page, "mujhe janm praman patra chahiye")
    send(page, "मेरी पेंशन कब आएगी")

    mine = page.locator(".row.mine:not(.pending)")
    mine.nth(1).wait_for()
    assert "मेरी पेंशन कब आएगी" in mine.nth(1).inner_text()
    page.wait_for_function("document.querySelectorAll('.row.mine .tick.read').length === 2")
    assert "✓" in mine.first.locator(".tick").inner_text()
    inbound = Message.objects.filter(direction="in").order_by("pk")
    assert [m.body for m in inbound] == ["mujhe janm praman patra chahiye", "मेरी पेंशन कब आएगी"]
    assert {m.conversation.number.phone_number_id for m in inbound} == {"106540352242922"}

    conversation = Conversation.objects.get()
    with transaction.atomic():
        asked = outbound.buttons(
            conversation=conversation, body="*Birth certificate* / जन्म प्रमाण पत्र\nDo you want to apply?",
            options=[("birth_apply", "Apply / आवेदन"), ("birth_status", "Check status"), ("birth_help", "Talk to us")],
            footer="MCD · 7 days",
        )  # fmt: skip
    with transaction.atomic():
        outbound.template(conversation=conversation, name="application_received", parameters=["DLA260001234", "7"])

    bot = page.locator(f".row.theirs[data-id='{asked.pk}']")
    bot.wait_for()
    assert "Do you want to apply?" in bot.inner_text()
    buttons = bot.locator(".reply-button")
    assert buttons.all_inner_texts() == ["Apply / आवेदन", "Check status", "Talk to us"]
    page.locator(".row.theirs .template-tag").wait_for()
    page.wait_for_function(
        f"document.querySelector(\".row.theirs[data-id='{asked.pk}'] .tick\").classList.contains('read')"
    )
    asked.refresh_from_db()
    assert asked.status == "read"  # delivered, then read, by signed status webhooks

    bot.locator(".reply-button", has_text="Check status").click()
    page.locator(".row.mine[data-type='interactive']:not(.pending) .quote").wait_for()
    tapped = Message.objects.filter(direction="in").last()
    assert tapped.type == "interactive" and tapped.reply_id == "birth_status" and tapped.body == "Check status"
    assert tapped.context_wamid == asked.wamid
    screenshot(page, "simulator")


def test_a_citizen_picks_a_row_of_a_list_shares_a_location_and_sends_files(page, live_server, numbers):
    page.goto(f"{live_server.url}/simulator/")
    page.select_option("#number", "106540352242923")
    send(page, "income certificate")
    page.locator(".row.mine:not(.pending)").first.wait_for()

    with transaction.atomic():
        menu = outbound.menu(
            conversation=Conversation.objects.get(), body="Choose a service / सेवा चुनें", button="Services / सेवाएँ",
            rows=[outbound.Row("rev_income", "Income certificate", "आय प्रमाण पत्र"), outbound.Row("rev_caste", "Caste")],
        )  # fmt: skip
    page.locator(".list-open").click()
    page.locator(".row-option", has_text="Income certificate").click()
    page.locator(".row.mine[data-type='interactive']:not(.pending)").wait_for()

    page.click("#attach")
    page.click("#open-location")
    page.click("#location-form button[type=submit]")
    page.locator(".row.mine[data-type='location']:not(.pending)").wait_for()

    page.fill("#message-input", "Ration card ki copy")
    page.click("#attach")
    with page.expect_file_chooser() as chooser:
        page.click("[data-pick=document]")
    chooser.value.set_files(files=[{"name": "ration_card.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator(".row.mine[data-type='document']:not(.pending)").wait_for()
    page.set_input_files("#file-audio", files=[{"name": "note.ogg", "mimeType": "audio/ogg", "buffer": OGG}])
    page.locator(".row.mine[data-type='audio']:not(.pending) audio").wait_for()

    picked, located, document, voice = Message.objects.filter(direction="in").order_by("pk")[1:]
    assert picked.reply_id == "rev_income" and picked.context_wamid == Message.objects.get(pk=menu.pk).wamid
    assert located.type == "location" and located.payload["location"]["latitude"] == 28.6129
    assert document.body == "Ration card ki copy" and document.media_mime_type == "application/pdf"
    assert document.media_file.read() == PDF and "ration_card.pdf" in page.inner_text(".file-card")
    assert voice.payload["audio"]["voice"] is True and voice.media_mime_type == "audio/ogg"
    screenshot(page, "simulator-list")


def test_on_a_phone_sized_screen_the_chat_still_fits(browser, live_server, numbers):
    context = browser.new_context(viewport={"width": 390, "height": 780}, locale="hi-IN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/simulator/")
        send(page, "namaste")
        page.locator(".row.mine:not(.pending)").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert page.locator("#send").is_visible() and page.locator("#attach").is_visible()
        screenshot(page, "simulator-mobile")
    finally:
        context.close()
