"""Every text the bot sends, in one module, through Django's gettext (Hindi in locale/hi/LC_MESSAGES).

Kept together so that translators see the whole voice of the bot at once, and so that a test can check
that each of them has a natural Hindi translation. Texts written by departments (service names,
eligibility, documents) are data, in the catalogue's `_en`/`_hi` columns, not here.
Hindi uses forms that do not depend on the bot's gender ("यह समझ में नहीं आया", not "मैं समझ नहीं पाया").
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The version of the consent notice below: change it whenever the notice's meaning changes, so that the
# record shows which text each citizen agreed to.
CONSENT_VERSION = "2026-01"

WELCOME = _("Hello! I am the Delhi Government's WhatsApp assistant.")
CHOOSE_LANGUAGE = _("Please choose your language.")

CONSENT_NOTICE = _(
    "Before we begin, here is how your information is used (Digital Personal Data Protection Act, 2023):\n"
    "• *What*: your WhatsApp number and name, your messages, and the details and documents you share "
    "for a service.\n"
    "• *Why*: only to provide the services you ask for, to update you on them and to answer your questions.\n"
    "• *How long*: while your requests are open, and afterwards only as long as the law on government "
    "records requires.\n"
    "• *Where*: on the Delhi Government's own servers; only the department concerned sees it.\n"
    "• *Your rights*: write STOP at any time to withdraw your consent; write OFFICER to ask for your "
    "information to be corrected or erased.\n\n"
    "Do you agree?"
)
AGREE = _("I agree")
DISAGREE = _("I do not agree")
CONSENT_THANKS = _("Thank you, your consent is recorded.")
CONSENT_REFUSED = _(
    "All right. Without your consent your details cannot be taken, so services cannot be provided here. "
    "If you change your mind, write HI and tap “I agree”. You can also visit your nearest government office."
)
CONSENT_REMINDER = _("To continue, please tap “I agree” on the notice above.")

MENU_BODY = _(
    "What do you need help with? Choose from the list, or write it in your own words (for example “birth certificate”)."
)
MENU_BUTTON = _("See services")
MENU_SECTION = _("Main menu")
GREETING = _("Hello!")

CATEGORY_TITLES = {
    "certificates": _("Certificates"),
    "welfare": _("Pensions and welfare"),
    "bills": _("Bills and taxes"),
    "licences": _("Licences"),
    "police": _("Police verification"),
    "grievances": _("Grievances"),
    "status": _("Check status"),
    "other": _("Other services"),
    "officer": _("Talk to an officer"),
}
CATEGORY_DESCRIPTIONS = {
    "certificates": _("Birth, death, caste, income, domicile…"),
    "welfare": _("Pensions, ration card, scholarships, health"),
    "bills": _("Water bill, property tax, traffic challan"),
    "licences": _("Driving licence, trade licence, shop registration"),
    "police": _("Tenant, domestic help, police clearance, lost items"),
    "grievances": _("Lodge a complaint or give feedback"),
    "status": _("Your application, grievance or pension"),
    "other": _("Water connection, tanker, offices, schemes"),
    "officer": _("A person from the department replies here"),
}
CATEGORY_BODY = _("%(category)s: choose a service.")
CATEGORY_BUTTON = _("Choose")
CATEGORY_EMPTY = _("There are no services here yet.")
BY_REFERENCE = _("By reference number")
BY_REFERENCE_HINT = _("Like DLA260001234")
MY_APPLICATIONS = _("My applications")
MY_APPLICATIONS_HINT = _("Applications made on WhatsApp")

CARD_DEPARTMENT = _("Department")
CARD_ELIGIBILITY = _("Who is eligible")
CARD_DOCUMENTS = _("Documents needed")
CARD_OPTIONAL = _("If applicable")
CARD_FEE = _("Fee")
CARD_FREE = _("Free")
CARD_TIME = _("Time taken")
CARD_IMMEDIATE = _("Immediate")
CARD_ONE_DAY = _("Usually 1 day")
CARD_DAYS = _("Usually %(days)s days")
NEXT_STEP = _("What would you like to do next?")
APPLY = pgettext_lazy("button", "Apply")
PAY = pgettext_lazy("button", "Pay")
CHECK_STATUS = pgettext_lazy("button", "Check status")
LODGE_GRIEVANCE = pgettext_lazy("button", "Lodge a grievance")
GIVE_FEEDBACK = pgettext_lazy("button", "Give feedback")
MAIN_MENU = pgettext_lazy("button", "Main menu")
TALK_TO_OFFICER = pgettext_lazy("button", "Talk to an officer")

COMING_SOON = {
    "apply": _("Applying for %(service)s here on WhatsApp is coming soon; applications cannot be taken here yet."),
    "grievance": _("Lodging a grievance here on WhatsApp is coming soon."),
    "feedback": _("Giving feedback here on WhatsApp is coming soon."),
}
UNTIL_THEN_PORTAL = _("Until then you can use the %(portal)s portal or visit an office of the %(department)s.")
UNTIL_THEN_OFFICE = _("Until then you can visit an office of the %(department)s.")
UNTIL_THEN_OFFICER = _("Until then an officer can take your complaint or feedback here: tap “Talk to an officer”.")
KEEP_READY = _("Keep these documents ready:")

STATUS_ASK = _(
    "Please send your reference number. It looks like DLA260001234 (application), DLG… (grievance) or DLP… (payment)."
)
STATUS_NOT_FOUND = {
    "DLA": _("We could not find application %(reference)s. Please check the number and send it again."),
    "DLG": _("We could not find grievance %(reference)s. Please check the number and send it again."),
    "DLP": _("We could not find payment %(reference)s. Please check the number and send it again."),
}
STATUS_FOUND = _("%(reference)s (%(service)s): %(status)s. Last updated %(updated)s.")
STATUS_NO_APPLICATIONS = _(
    "You have no applications made on WhatsApp yet. If you applied elsewhere, send the reference number "
    "from your receipt."
)
STATUS_NOT_A_REFERENCE = _(
    "That does not look like a reference number. It starts with DLA, DLG or DLP followed by 9 digits, "
    "like DLA260001234."
)
ANOTHER_NUMBER = _("Another number")

HANDOFF = _(
    "An officer of the %(department)s has been asked to reply to you here. Until they do, this assistant "
    "will stay quiet. To come back to the assistant, write MENU."
)
HANDOFF_NOT_UNDERSTOOD = _("Sorry, this was not understood again, so a person will help you.")
HANDOFF_WITHDRAWN = _("All right, you are back with the assistant.")

OPTED_OUT = _(
    "Done: you will get no more announcements or reminders from us, and your consent is withdrawn. "
    "Requests you have already made go on as before. To start again, write START."
)
OPTED_IN = _("Welcome back! You will get our updates again.")

HELP = _(
    "I can help with Delhi Government services: certificates, pensions, bills, licences, police "
    "verification, grievances and status. Tap a button, or write what you need in Hindi or English.\n\n"
    "Words that work everywhere:\n"
    "• MENU: the main menu\n"
    "• BACK: the previous step\n"
    "• CANCEL: stop what you are doing\n"
    "• OFFICER: talk to a person\n"
    "• HINDI or ENGLISH: change the language\n"
    "• STOP: no more messages"
)
NOT_UNDERSTOOD = _(
    "Sorry, that was not understood. Please choose from the menu, or write the name of the service you need "
    "(for example “income certificate”)."
)
LANGUAGE_SET = _("All right, replies will now be in English.")
CANCELLED = _("Cancelled.")
TEXT_ONLY = _("For now only typed messages and button taps can be read. Please type your message or use the buttons.")
ERROR = _("Sorry, something went wrong on our side. Please try again in a moment.")

# The apply journey (engine/apply.py).
APPLY_INTRO = _(
    "Applying for *%(service)s*.\n\n*Who can apply*\n%(eligibility)s\n\nThere are %(questions)s questions, "
    "then the documents below (a clear photo or a PDF of each):\n%(documents)s\n\nEverything is saved as you go. "
    "Write BACK to change your last answer, or CANCEL to stop."
)
APPLY_NO_DOCUMENTS = _("No documents are needed.")
APPLY_START = pgettext_lazy("button", "Start")
APPLY_RESUME = _(
    "You started an application for *%(service)s* on %(date)s and it is saved (%(done)s of %(total)s steps done). "
    "Would you like to continue where you stopped?"
)
CONTINUE = pgettext_lazy("button", "Continue")
START_AGAIN = pgettext_lazy("button", "Start again")
SKIP = pgettext_lazy("button", "Skip")
BACK = pgettext_lazy("button", "Back")
NEXT = pgettext_lazy("button", "Next")
SUBMIT = pgettext_lazy("button", "Submit")
EDIT = pgettext_lazy("button", "Change something")
YES = pgettext_lazy("answer", "Yes")
NO = pgettext_lazy("answer", "No")
APPLY_QUESTION = _("Question %(step)s of %(total)s: *%(label)s*")
APPLY_OPTIONAL = _("If this does not apply to you, tap Skip.")
APPLY_CHOOSE = _("Choose one")
APPLY_DOCUMENT = _(
    "Document %(step)s of %(total)s: please send *%(document)s*.\n\nA clear photo or a PDF (%(types)s, up to "
    "%(size)s MB), one file per message."
)
APPLY_DOCUMENT_OPTIONAL = _("It is needed only in the case written above; otherwise tap Skip.")
APPLY_DOCUMENT_RECEIVED = _(
    "Received: %(document)s (%(count)s file(s)). If it has more pages, send them now; otherwise tap Next."
)
APPLY_DOCUMENT_EXPECTED = _(
    "Please send *%(document)s* as a photo or a PDF: tap 📎 and choose Camera, Gallery or Document."
)
APPLY_FILE_NOT_RECEIVED = _(
    "Your file could not be received. Please send it again as a photo or a PDF of up to %(size)s MB."
)
APPLY_FILE_REJECTED = _("This file was not accepted: %(reason)s")
APPLY_FILE_UNEXPECTED = _(
    "Thank you for the file. It is not needed right now: to apply for a service, choose it from the menu first."
)
APPLY_REVIEW = _("Please check your application for *%(service)s*:\n\n%(answers)s\n\n*Documents*\n%(documents)s")
APPLY_REVIEW_ASK = _("If everything is right, tap Submit. To correct something, tap “Change something”.")
APPLY_EDIT_CHOOSE = _("What would you like to change?")
APPLY_EDIT_BUTTON = _("Choose")
APPLY_NOT_GIVEN = _("not given")
APPLY_FILES = _("%(count)s file(s)")
APPLY_SUBMITTED = _(
    "Your application is submitted. ✅\n\nReference number: *%(reference)s*\nKeep it: with it you can check "
    "the status here at any time."
)
APPLY_DUE = _(
    "Under Delhi's time-bound delivery of services law, %(service)s must be delivered by *%(due)s*. If it is "
    "late, you are owed compensation."
)
APPLY_SUBMITTED_PORTAL = _(
    "It is being sent to the department's online system (%(portal)s). You will get a message here when they "
    "receive it. If their system is busy, it waits in the queue: nothing is lost."
)
APPLY_FEE = _(
    "The fee is ₹%(fee)s. The application goes to the department once it is paid, and the time limit starts then."
)
APPLY_MISSING = _("Something is still missing: %(missing)s.")
APPLY_DRAFT_GONE = _("Your unfinished application was closed after %(days)s days without a reply. You can start again.")
APPLY_CANCELLED = _("Your application for %(service)s is cancelled. Nothing was sent to the department.")
APPLY_NOT_OPEN = _("Applications for %(service)s cannot be made here.")
DOCUMENTS_REQUESTED_ASK = _(
    "For application %(reference)s the officer asked for: *%(document)s*. Please send it as a photo or a PDF."
)
DOCUMENTS_REQUESTED_RECEIVED = _("Received for %(document)s.")
DOCUMENTS_REQUESTED_DONE = _("Thank you. Your documents have gone back to the officer for application %(reference)s.")

# Where an application stands (the status flow).
STATUS_DUE = _("Due by %(due)s.")
STATUS_LATE = _("%(days)s day(s) late: compensation of ₹%(amount)s is owed to you so far.")
STATUS_EXPECTED = {
    "draft": _("Not submitted yet: open the service and tap Apply to continue."),
    "payment_pending": _("Waiting for you to pay the fee of ₹%(fee)s."),
    "documents_requested": _("The officer needs from you: %(note)s Send it here as a photo or a PDF."),
    "rejected": _("Reason: %(reason)s"),
    "issued": _("The document was sent to you here."),
}

# Status-only services answered by a department portal (engine/lookup.py).
LOOKUP_NOT_FOUND = _(
    "%(number)s was not found on the %(portal)s system. Please check the number on your slip or SMS and send it again."
)
LOOKUP_UNAVAILABLE = _(
    "The %(portal)s system is not answering just now. Please try again in a little while: what you typed is kept."
)
TRY_AGAIN = pgettext_lazy("button", "Try again")

# Paying (engine/pay.py).
PAY_TOTAL = _("*Total: %(amount)s*")
PAY_LINK_NOTE = _(
    "Payment reference %(reference)s. The link works until %(until)s; pay by UPI, card or net banking. The receipt "
    "comes here on WhatsApp."
)
PAY_BUTTON = _("Pay %(amount)s")
PAY_NOTHING_DUE = _("Nothing is due on %(number)s for %(service)s. Thank you!")
PAY_CHOOSE_DEMAND = _("%(count)s payments are due on %(number)s (%(total)s in all). Choose one to pay.")
PAY_ALREADY_PAID = _("This is already paid (%(amount)s, reference %(reference)s). The receipt was sent here.")
PAY_LINK_FAILED = _("The payment link could not be made just now. Please try again in a minute.")
PAY_NOTHING_WAITING = _("That application is not waiting for a payment now.")

# Sent when the engine fails on a message (a fault of ours, not the citizen's): the message is kept.
ENGINE_FAILED = _(
    "Sorry, something went wrong on our side with your last message. It has been kept, and an officer will "
    "look at it. You can write MENU to carry on."
)
