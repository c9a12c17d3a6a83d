"""`manage.py chat`: the WhatsApp simulator in a terminal, one citizen writing to one department number."""

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.conversations.models import Message
from apps.simulator.simulator import (
    DELHI,
    Phone,
    SimulatorError,
    media_kind_for,
    message_view,
    simulator_location_send,
    simulator_media_send,
    simulator_messages,
    simulator_number_get,
    simulator_receipts_send,
    simulator_reply_send,
    simulator_text_send,
    wa_id_random,
)

HELP = "Type a message, or /button <n>, /row <n>, /location, /file <path>, /quit"
POLL_SECONDS = 0.25


def render(view: dict) -> list[str]:
    """A bot message as terminal lines, its buttons and rows numbered as /button and /row take them."""
    shown, kind = view["display"], view["type"]
    failed = f" ! {view['error'] or 'failed'}" if view["status"] == "failed" else ""
    lines = [f"[{view['clock']}] bot{failed}"]
    if kind == "interactive":
        lines += [f"  *{shown['header']}*"] if shown.get("header") else []
        lines += [f"  {line}" for line in (shown.get("text") or "").splitlines()]
        lines += [f"  _{shown['footer']}_"] if shown.get("footer") else []
        lines += [f"  [{n}] {button['title']}" for n, button in enumerate(shown.get("buttons", []), 1)]
        if shown.get("kind") == "list":
            lines.append(f"  ☰ {shown.get('button', '')}")
            rows = [row for section in shown.get("sections", []) for row in section.get("rows", [])]
            lines += [f"  ({n}) {r['title']}" + (f" — {r['description']}" if r.get("description") else "")
                      for n, r in enumerate(rows, 1)]  # fmt: skip
        if shown.get("kind") == "cta_url":
            lines.append(f"  ↗ {shown.get('label', '')}: {shown.get('url', '')}")
    elif kind == "template":
        lines.append(f"  📋 template {shown.get('name', '')} ({shown.get('language', '')})")
        lines += [f"  {{{{{n}}}}} {value}" for n, value in enumerate(shown.get("parameters", []), 1)]
    elif kind in {"document", "image"}:
        icon = "📄" if kind == "document" else "🖼"
        lines.append(f"  {icon} {shown.get('filename') or kind} {shown.get('caption', '')}".rstrip())
        lines += [f"  {shown['link']}"] if shown.get("link") else []
    else:
        lines += [f"  {line}" for line in (shown.get("text") or view["body"]).splitlines()]
    return lines


class Command(BaseCommand):
    help = "Chat with a department number as a citizen, through the real signed webhook. " + HELP
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--number", required=True, help="The department's phone number ID or display number.")
        parser.add_argument("--wa-id", default="", help="The citizen's WhatsApp number (default: a random one).")
        parser.add_argument("--name", default="Sunita Devi", help="The citizen's profile name.")
        parser.add_argument("--username-only", action="store_true", help="Hide the number: wa_id '' and a BSUID.")
        parser.add_argument(
            "--base-url", default="", help=f"Where the webhook is (default SITE_URL, {settings.SITE_URL})."
        )
        parser.add_argument("--wait", type=float, default=10.0, help="Seconds to wait at most for the bot's answer.")

    def handle(self, *args, **options):
        try:
            self.number = simulator_number_get(key=options["number"])
            self.phone = Phone(wa_id=options["wa_id"] or wa_id_random(), name=options["name"],
                               username_only=options["username_only"])  # fmt: skip
        except SimulatorError as error:
            raise CommandError(error.message) from error
        self.base_url, self.wait = options["base_url"] or settings.SITE_URL, options["wait"]
        self.buttons: tuple[int, list[dict]] | None = None
        self.rows: tuple[int, list[dict]] | None = None
        existing = simulator_messages(number=self.number, phone=self.phone, limit=1)
        self.last_id = existing[-1].pk if existing else 0
        stdin = options.get("stdin") or sys.stdin
        department = self.number.department
        self.stdout.write(f"Chatting with {department.name_en} / {department.name_hi} ({self.number.display_number})")
        self.stdout.write(f"as {self.phone.name or '-'} +{self.phone.wa_id} ({self.phone.user_id}). {HELP}")
        for line in stdin:
            line = line.strip()
            if not line:
                continue
            if line in {"/quit", "/exit"}:
                break
            try:
                sent = self.send(line)
            except SimulatorError as error:
                self.stderr.write(f"! {error.message}")
                continue
            if sent is not None:
                self.stdout.write(f"  ✓ sent {sent.type} {sent.wamid}")
                self.show_replies()
        self.stdout.write("Bye / अलविदा")

    def send(self, line: str) -> Message | None:
        common = {"number": self.number, "phone": self.phone, "base_url": self.base_url}
        command, _, argument = line.partition(" ")
        if command in {"/button", "/row"}:
            options = self.buttons if command == "/button" else self.rows
            index = int(argument) - 1 if argument.strip().isdigit() else -1
            if options is None or not 0 <= index < len(options[1]):
                raise SimulatorError(f"No {command[1:]} {argument.strip() or '?'} on the bot's last message.")
            return simulator_reply_send(message_id=options[0], reply_id=options[1][index]["id"], **common)
        if command == "/location":
            return simulator_location_send(**{**DELHI, **common})
        if command == "/file":
            path = Path(argument.strip()).expanduser()
            if not path.is_file():
                raise SimulatorError(f"No file {path}")
            kind = media_kind_for(path.name)
            return simulator_media_send(kind=kind, content=path.read_bytes(), filename=path.name, **common)
        if line.startswith("//"):  # a message that itself starts with "/"
            return simulator_text_send(body=line[1:], **common)
        if command.startswith("/"):
            raise SimulatorError(f"Unknown command {command}. {HELP}")
        return simulator_text_send(body=line, **common)

    def show_replies(self) -> None:
        """Wait up to --wait seconds for the bot, print what it sends, and report it delivered and read.

        Done early once the bot has been quiet a moment and what it sent has left (has a wamid): a button
        can only be tapped, and a message read, once it has reached the phone."""
        deadline, quiet_until, shown = time.monotonic() + self.wait, None, []
        while time.monotonic() < deadline:
            for message in simulator_messages(number=self.number, phone=self.phone, after_id=self.last_id):
                self.last_id = max(self.last_id, message.pk)
                if message.direction == Message.Direction.OUTBOUND:
                    self.print_bot(message)
                    shown.append(message.pk)
                    quiet_until = time.monotonic() + 0.75  # a reply often comes as a burst of messages
            if quiet_until is not None and time.monotonic() >= quiet_until:
                if not Message.objects.filter(pk__in=shown, wamid__isnull=True).exists():
                    break
            time.sleep(POLL_SECONDS)
        try:
            simulator_receipts_send(number=self.number, phone=self.phone, status="read", base_url=self.base_url)
        except SimulatorError as error:
            self.stderr.write(f"! {error.message}")

    def print_bot(self, message: Message) -> None:
        view = message_view(message)
        for line in render(view):
            self.stdout.write(line)
        display = view["display"]
        if display.get("buttons"):
            self.buttons = (message.pk, display["buttons"])
        if display.get("kind") == "list":
            self.rows = (
                message.pk,
                [row for section in display.get("sections", []) for row in section.get("rows", [])],
            )
