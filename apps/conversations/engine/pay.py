"""Paying on WhatsApp: an application's fee after it is submitted, and the department dues of the `pay`
services (property tax, water bill, traffic challans) found by the number on the citizen's bill.

Dues come from the department's portal through its connector; each is shown with its break-up and paid
through a checkout link (a CTA URL button). Asking twice gives the same open link: `payments` never makes
a second one while the first can still be paid. What follows a payment (the receipt, the application
moving on) is sent by the payments app when the gateway says the money arrived, not by this flow.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone, translation

from apps.applications import selectors as applications
from apps.core.exceptions import ApplicationError
from apps.core.formatting import rupees
from apps.payments import services as payments
from apps.payments.gateways.base import GatewayError
from apps.portals.base import PortalRefused, PortalUnavailable

from ..outbound import Row
from . import ids, screens, texts
from .calls import outside_lock
from .lookup import LookupFlow, lookup_number
from .turn import Turn

logger = logging.getLogger(__name__)


class PayFlow(LookupFlow):
    name = "pay"
    kind = "pay"
    category = "bills"

    def tap(self, turn: Turn, reply_id: str) -> None:
        parts = reply_id.split(":")
        action = parts[1] if len(parts) > 1 else ""
        if action == "app" and len(parts) == 3:
            self.pay_application(turn, parts[2])
        elif action == "svc" and len(parts) == 3:
            self.start(turn, service=parts[2])
        elif action == "demand" and len(parts) >= 3 and parts[2].isdigit():
            service = self._service(turn)
            demands = turn.data.get("demands") or []
            index = int(parts[2])
            # A row of an older list (another number's dues) must not pay whatever is at that place now.
            current = 0 <= index < len(demands) and (len(parts) == 3 or _tag(demands[index]["demand_id"]) == parts[3])
            if service is None:
                screens.main_menu(turn)
            elif not current:
                self.start(turn, service=service.code)
            else:
                self._pay_demand(turn, service, index)
        else:
            super().tap(turn, reply_id)

    # An application's fee.

    def pay_application(self, turn: Turn, application_id) -> None:
        application = applications.application_payment_pending_get(citizen=turn.citizen, pk=application_id)
        if application is None:
            turn.ask(texts.PAY_NOTHING_WAITING, [(ids.STATUS_MINE, texts.MY_APPLICATIONS), (ids.MENU, texts.MAIN_MENU)])
            return
        try:
            payment = outside_lock(
                f"pay:{application.pk}", lambda: payments.payment_for_application(application=application)
            )
        except (GatewayError, ApplicationError):
            logger.warning("Application %s: no payment link", application.reference, exc_info=True)
            retry = (self._id("app", str(application.pk)), texts.TRY_AGAIN)
            turn.ask(texts.PAY_LINK_FAILED, [retry, (ids.MENU, texts.MAIN_MENU)])
            return
        self._show_link(turn, payment)

    def pay_after_commit(self, turn: Turn, application_id: int) -> None:
        """Submitted in this very turn: the gateway is asked for the link once the submission is committed
        and the conversation's lock let go (a task: `payment_link_offer`), and the link follows at once."""
        from .tasks import payment_link_offer_task

        conversation_id = turn.conversation.pk
        transaction.on_commit(lambda: payment_link_offer_task.delay(conversation_id, application_id), robust=True)

    # Department dues.

    def _lookup(self, turn: Turn, service) -> None:
        from apps.portals.services import portal_dues_lookup

        answers = turn.data.get("answers") or {}
        number = lookup_number(list(service.fields.all()), answers)
        turn.go("flow", flow=self.name, service=service.code, answers=answers, step="")
        again = [(self._id("again", service.code), texts.ANOTHER_NUMBER), (ids.MENU, texts.MAIN_MENU)]
        portal = service.get_connector_display()
        try:
            found = outside_lock(
                f"dues:{service.code}:{number}", lambda: portal_dues_lookup(service=service, number=number)
            )
        except PortalUnavailable:
            logger.warning("Dues for %s: the portal did not answer", service.code, exc_info=True)
            turn.ask(texts.LOOKUP_UNAVAILABLE % {"portal": portal},
                     [(self._id("retry"), texts.TRY_AGAIN), (ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return
        except (PortalRefused, ApplicationError):
            turn.ask(texts.LOOKUP_NOT_FOUND % {"number": number, "portal": portal}, again)
            return
        if not found:
            turn.ask(texts.PAY_NOTHING_DUE % {"number": number, "service": service.name}, again)
            return
        turn.data["demands"] = [asdict(demand) for demand in found[:10]]
        if len(found) == 1:
            self._pay_demand(turn, service, 0)
            return

        hindi = turn.language == "hi"
        rows = [
            Row(id=self._id("demand", str(index), _tag(demand.demand_id)), title=rupees(demand.amount_paise),
                description=(demand.description_hi if hindi else demand.description_en))
            for index, demand in enumerate(found[:10])
        ]  # fmt: skip
        total = rupees(sum(demand.amount_paise for demand in found[:10]))
        turn.list(texts.PAY_CHOOSE_DEMAND % {"count": len(rows), "number": number, "total": total},
                  button=texts.APPLY_CHOOSE, rows=rows, more_id=self._id("page"))  # fmt: skip

    def _pay_demand(self, turn: Turn, service, index: int) -> None:
        demands = turn.data.get("demands") or []
        if not 0 <= index < len(demands):
            self.start(turn, service=service.code)
            return
        demand = payments.Demand(**demands[index])
        try:
            conversation = turn.conversation
            payment = outside_lock(f"pay:{service.code}:{demand.demand_id}", lambda: payments.payment_for_demand(
                service=service, conversation=conversation, demand=demand))  # fmt: skip
        except (GatewayError, ApplicationError):
            logger.warning("Dues %s: no payment link", demand.demand_id, exc_info=True)
            turn.ask(texts.PAY_LINK_FAILED, [(self._id("demand", str(index)), texts.TRY_AGAIN),
                                             (ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return
        self._show_link(turn, payment)

    # The link.

    def _show_link(self, turn: Turn, payment) -> None:
        hindi = turn.language == "hi"
        if payment.state == payment.State.PAID:
            turn.ask(texts.PAY_ALREADY_PAID % {"reference": payment.reference, "amount": payment.rupees},
                     [(ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return
        lines = [f"*{payment.description_hi if hindi else payment.description_en}*"]
        for row in payment.breakup:
            lines.append(f"• {row['label_hi'] if hindi else row['label_en']}: {_signed(row['amount_paise'])}")
        lines.append(str(texts.PAY_TOTAL % {"amount": payment.rupees}))
        until = timezone.localtime(payment.expires_at).strftime("%H:%M") if payment.expires_at else ""
        lines.append(str(texts.PAY_LINK_NOTE % {"reference": payment.reference, "until": until}))
        url = payment.checkout_url
        if payment.provider == "sandbox":
            url += "?lang=" + turn.language  # the checkout page in the citizen's language
        turn.link("\n".join(lines), label=texts.PAY_BUTTON % {"amount": payment.rupees}, url=url)


def payment_link_offer(*, conversation_id: int, application_id: int) -> bool:
    """Send a just-submitted application's checkout link: made with no lock held, then sent under the
    conversation's lock like any reply. Safe twice: a link already sent in the chat is not sent again."""
    from ..models import Conversation, Message
    from .flows import PAY

    citizen = Conversation.objects.select_related("citizen").get(pk=conversation_id).citizen
    application = applications.application_payment_pending_get(citizen=citizen, pk=application_id)
    if application is None:
        return False  # paid, cancelled or not this citizen's: nothing to offer
    try:
        payment = payments.payment_for_application(application=application)
    except (GatewayError, ApplicationError):
        logger.warning("Application %s: no payment link", application.reference, exc_info=True)
        payment = None
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("citizen", "number__department")
            .get(pk=conversation_id)
        )
        sent = conversation.messages.filter(direction=Message.Direction.OUTBOUND)
        if (
            payment is not None
            and sent.filter(payload__interactive__action__parameters__url__startswith=payment.checkout_url).exists()
        ):
            return False
        message = conversation.messages.filter(direction=Message.Direction.INBOUND).order_by("-id").first()
        turn = Turn(conversation=conversation, message=message, text_override="")
        with translation.override(turn.language):
            if payment is None:
                retry = (PAY._id("app", str(application_id)), texts.TRY_AGAIN)
                turn.ask(texts.PAY_LINK_FAILED, [retry, (ids.MENU, texts.MAIN_MENU)])
            else:
                PAY._show_link(turn, payment)
        conversation.save(update_fields=["state_data", "updated_at"])
    return True


def _tag(demand_id: str) -> str:
    return hashlib.sha256(demand_id.encode()).hexdigest()[:8]


def _signed(paise: int) -> str:
    return f"−{rupees(-paise)}" if paise < 0 else rupees(paise)
