"""The simulator's page and its same-origin JSON endpoints; every one is a 404 unless the simulator is on.

The page sends what the citizen did here (CSRF-protected POSTs); `simulator.py` turns it into a signed
webhook. The webhook is reached over HTTP at this same site, so the server must answer two requests at
once (runserver and the test server do).
"""

from django import forms
from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import ensure_csrf_cookie

from .simulator import (
    DELHI,
    MEDIA_KINDS,
    STATUS_KINDS,
    Phone,
    SimulatorError,
    bsuid_for,
    conversation_find,
    message_view,
    simulator_location_send,
    simulator_media_send,
    simulator_messages,
    simulator_numbers,
    simulator_receipts_send,
    simulator_reply_send,
    simulator_text_send,
    wa_id_random,
)


class PhoneForm(forms.Form):
    number = forms.CharField(max_length=32)
    wa_id = forms.RegexField(regex=r"^\d{8,15}$")
    name = forms.CharField(max_length=200, required=False)
    username_only = forms.BooleanField(required=False)

    def phone(self) -> Phone:
        data = self.cleaned_data
        return Phone(wa_id=data["wa_id"], name=data["name"], username_only=data["username_only"])

    def number_get(self):
        number = simulator_numbers().filter(phone_number_id=self.cleaned_data["number"]).first()
        if number is None:
            raise SimulatorError("Choose one of the active department numbers.")
        return number


class SendForm(PhoneForm):
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in ("text", "reply", "location")])
    text = forms.CharField(max_length=4096, required=False, strip=False)
    message_id = forms.IntegerField(required=False)
    reply_id = forms.CharField(max_length=256, required=False)
    latitude = forms.FloatField(required=False, initial=DELHI["latitude"])
    longitude = forms.FloatField(required=False, initial=DELHI["longitude"])
    place = forms.CharField(max_length=200, required=False)
    address = forms.CharField(max_length=300, required=False)


class UploadForm(PhoneForm):
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in sorted(MEDIA_KINDS)])
    file = forms.FileField()
    caption = forms.CharField(max_length=1024, required=False)


class ReceiptsForm(PhoneForm):
    status = forms.ChoiceField(choices=[(status, status) for status in sorted(STATUS_KINDS)])
    message_ids = forms.CharField(required=False)  # comma-separated; empty means every sent message

    def clean_message_ids(self) -> list[int] | None:
        raw = self.cleaned_data["message_ids"]
        ids = [part for part in raw.split(",") if part.strip()]
        if not all(part.strip().isdigit() for part in ids):
            raise forms.ValidationError("Message ids are numbers.")
        return [int(part) for part in ids] if ids else None


class SimulatorMixin:
    """Every simulator URL is a 404 when WHATSAPP_SIMULATOR_ENABLED is off (the production default)."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.WHATSAPP_SIMULATOR_ENABLED:
            raise Http404("The WhatsApp simulator is off.")
        return super().dispatch(request, *args, **kwargs)


class SimulatorApi(SimulatorMixin, View):
    """A JSON endpoint: validates its form, calls `act`, and answers SimulatorError as a 400 with the reason."""

    form_class: type[PhoneForm] = PhoneForm

    def handle(self, data, files=None) -> JsonResponse:
        form = self.form_class(data, files)
        if not form.is_valid():
            return JsonResponse({"error": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())}, status=400)
        try:
            return JsonResponse(self.act(form, form.number_get(), form.phone()))
        except SimulatorError as error:
            return JsonResponse({"error": error.message}, status=400)

    def act(self, form, number, phone) -> dict:
        raise NotImplementedError


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SimulatorPageView(SimulatorMixin, View):
    """The chat page: pick a department number and a citizen, then chat as on a phone."""

    def get(self, request):
        numbers = list(simulator_numbers())
        wa_id = wa_id_random()
        urls = {name: reverse(f"simulator:{name}") for name in ("conversation", "send", "upload", "receipts")}
        return render(request, "simulator/simulator.html", {
            "numbers": numbers, "wa_id": wa_id, "bsuid": bsuid_for(wa_id), "delhi": DELHI,
            "add_number_url": reverse("admin:departments_whatsappnumber_add"), "config": {"urls": urls},
        })  # fmt: skip


class SimulatorConversationApi(SimulatorApi):
    """GET: the conversation so far, both ways, with each message's status (the page polls this)."""

    def get(self, request):
        return self.handle(request.GET)

    def act(self, form, number, phone) -> dict:
        conversation = conversation_find(number=number, phone=phone)
        return {
            "messages": [message_view(message) for message in simulator_messages(number=number, phone=phone)],
            "citizen": {"wa_id": phone.sent_wa_id, "user_id": phone.user_id},
            "window_open": bool(conversation and conversation.window_open()),
        }


class SimulatorSendApi(SimulatorApi):
    """POST: the citizen types, taps a button or list row, or shares a location."""

    form_class = SendForm

    def post(self, request):
        return self.handle(request.POST)

    def act(self, form, number, phone) -> dict:
        data, common = form.cleaned_data, {"number": number, "phone": phone, "base_url": self.base_url()}
        if data["kind"] == "text":
            message = simulator_text_send(body=data["text"], **common)
        elif data["kind"] == "reply":
            message = simulator_reply_send(message_id=data["message_id"] or 0, reply_id=data["reply_id"], **common)
        else:
            message = simulator_location_send(
                latitude=DELHI["latitude"] if data["latitude"] is None else data["latitude"],
                longitude=DELHI["longitude"] if data["longitude"] is None else data["longitude"],
                name=data["place"], address=data["address"], **common,
            )  # fmt: skip
        return {"message": message_view(message)}

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/")


class SimulatorUploadApi(SimulatorSendApi):
    """POST (multipart): the citizen sends a photo, a document or a voice note."""

    form_class = UploadForm

    def post(self, request):
        return self.handle(request.POST, request.FILES)

    def act(self, form, number, phone) -> dict:
        data = form.cleaned_data
        if data["file"].size > settings.WHATSAPP_MEDIA_MAX_MB * 1024 * 1024:  # before reading it into memory
            raise SimulatorError(f"WhatsApp media here is limited to {settings.WHATSAPP_MEDIA_MAX_MB} MB.")
        message = simulator_media_send(
            number=number, phone=phone, kind=data["kind"], content=data["file"].read(), filename=data["file"].name,
            caption=data["caption"], base_url=self.base_url(),
        )  # fmt: skip
        return {"message": message_view(message)}


class SimulatorReceiptsApi(SimulatorSendApi):
    """POST: the phone reports the bot's messages delivered, or read once they are on screen."""

    form_class = ReceiptsForm

    def act(self, form, number, phone) -> dict:
        data = form.cleaned_data
        count = simulator_receipts_send(
            number=number, phone=phone, status=data["status"], message_ids=data["message_ids"], base_url=self.base_url()
        )
        return {"reported": count}
