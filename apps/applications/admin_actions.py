"""The buttons on an application's page: each is one move of the state machine, a small form for what the
move needs (the documents and a note, a reason), and the service it calls. The admin posts them to its own URL."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.exceptions import ApplicationError

from . import services
from .models import Application

State = Application.State


class ApplicationActionForm(forms.Form):
    """A button with no questions: the move needs nothing more than the officer's click."""

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application


class DocumentsRequestForm(ApplicationActionForm):
    slots = forms.MultipleChoiceField(label=_("Documents to send again"), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("What is wrong or missing (the citizen reads this)"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)  # fmt: skip

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.fields["slots"].choices = [(d.code, d.name) for d in application.service.documents.all()]


class ApproveForm(ApplicationActionForm):
    note = forms.CharField(label=_("Note for the record (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)  # fmt: skip


class RejectForm(ApplicationActionForm):
    reason = forms.CharField(label=_("Reason (the citizen reads this)"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)  # fmt: skip


def _issue(*, application: Application, officer) -> Application:
    try:
        from apps.applications.certificates import certificate_issue
    except ModuleNotFoundError as error:
        if error.name != "apps.applications.certificates":
            raise
        raise ApplicationError(gettext("Certificates cannot be issued from here yet.")) from None
    certificate_issue(application=application, officer=officer)
    return Application.objects.get(pk=application.pk)


@dataclass(frozen=True)
class Action:
    """One button on the application page: the state it moves to, its form, and the service it calls."""

    name: str
    target: str
    label: str
    form_class: type[ApplicationActionForm]
    run: Callable[..., Application]
    style: str = ""
    tells_citizen: bool = True  # the service queues a WhatsApp update
    only_from: tuple[str, ...] = ()  # narrower than TRANSITIONS: where the service itself allows it

    def offered(self, state: str) -> bool:
        return self.target in services.TRANSITIONS[state] and (not self.only_from or state in self.only_from)


ACTIONS = {
    action.name: action
    for action in [
        Action("review", State.UNDER_REVIEW, _("Start review"), ApplicationActionForm,
               lambda application, officer: services.application_review_start(application=application,
                                                                               officer=officer),
               tells_citizen=False),
        Action("request_documents", State.DOCUMENTS_REQUESTED, _("Request documents"), DocumentsRequestForm,
               lambda application, officer, slots, note: services.application_documents_request(
                   application=application, officer=officer, slots=slots, note=note)),
        Action("approve", State.APPROVED, _("Approve"), ApproveForm,
               lambda application, officer, note: services.application_approve(application=application,
                                                                                officer=officer, note=note),
               "default"),
        Action("reject", State.REJECTED, _("Reject"), RejectForm,
               lambda application, officer, reason: services.application_reject(application=application,
                                                                                 officer=officer, reason=reason),
               "danger"),
        Action("issue", State.ISSUED, _("Issue the certificate"), ApplicationActionForm,
               lambda application, officer: _issue(application=application, officer=officer), "default",
               only_from=(State.APPROVED,)),  # a forwarded application's certificate comes from the portal
    ]
}  # fmt: skip
