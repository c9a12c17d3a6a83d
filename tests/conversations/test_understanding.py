"""The offline understander on messages as citizens write them: Hindi, English, Hinglish, typos, mixed scripts.

These utterances are not in bench/understanding_utterances.jsonl, so they also check that the benchmark's
figures are not the product of tuning to it.
"""

import pytest

from apps.conversations.understanding import INTENTS, language_detect, reference_parse, understand
from apps.conversations.understanding.text import romanise, skeleton, tokens

N = None

INTENT_CASES = [
    # greeting
    ("Hi", "greeting", N), ("hello ji", "greeting", N), ("नमस्ते", "greeting", N), ("Good evening", "greeting", N),
    ("namaskar", "greeting", N),
    # menu
    ("Menu", "menu", N), ("main menu", "menu", N), ("menu dikhao", "menu", N), ("go back", "menu", N),
    ("वापस", "menu", N),
    # help
    ("HELP", "help", N), ("madad karo", "help", N), ("मुझे मदद चाहिए", "help", N), ("can you help me", "help", N),
    # apply
    ("mujhe janm praman patra chahiye", "apply", "MCD-BIRTH"),
    ("mujhe income certificate chahiye", "apply", "REV-INCOME"),
    ("janam praman patr banwana hai", "apply", "MCD-BIRTH"),
    ("मुझे जन्म प्रमाणपत्र चाहिए", "apply", "MCD-BIRTH"),
    ("I need a caste certificate", "apply", "REV-CASTE-SCST"),
    ("ration card banwana h", "apply", "DFS-RATION-NEW"),
    ("apply for learner license", "apply", "TPT-LEARNER"),
    ("papa ke liye budhapa pension chahiye", "apply", "DSW-OAP"),
    ("divyang pension ka form bharna hai", "apply", "DSW-DISABILITY"),
    ("mrityu praman patra chahiye dadi ka", "apply", "MCD-DEATH"),
    ("tanker bhejo please", "apply", "DJB-TANKER"),
    ("naya pani connection lena hai", "apply", "DJB-CONNECTION"),
    ("domicle certificate chaiye", "apply", "REV-DOMICILE"),
    ("मुझे आयुष्मान कार्ड बनवाना है", "apply", "HFW-AYUSHMAN"),
    # service_info
    ("brth certficate", "service_info", "MCD-BIRTH"),
    ("janm praman patra", "service_info", "MCD-BIRTH"),
    ("death certificate ke liye documents", "service_info", "MCD-DEATH"),
    ("what is the fee for trade licence", "service_info", "MCD-TRADE"),
    ("income certificate me kitne din lagte hai", "service_info", "REV-INCOME"),
    ("लाडली योजना की जानकारी दीजिए", "service_info", "WCD-LADLI"),
    ("mohalla clinic kahan hai", "service_info", "HFW-CLINIC"),
    # status
    ("pension kab aayegi", "status", "DSW-PENSION-STATUS"),
    ("मेरी पेंशन कब आएगी", "status", "DSW-PENSION-STATUS"),
    ("is baar pension nahi mili", "status", "DSW-PENSION-STATUS"),
    ("ration card ka status", "status", "DFS-RATION-STATUS"),
    ("scholarship abhi tak nahi aayi", "status", "SCW-SCHOLARSHIP-STATUS"),
    ("what is the status of my application", "status", N),
    ("मेरी शिकायत की स्थिति", "status", "PGC-GRIEVANCE-STATUS"),
    # pay
    ("paani ka bill bharna hai", "pay", "DJB-BILL"),
    ("pani ka bil jama karna hai", "pay", "DJB-BILL"),
    ("I want to pay property tax", "pay", "MCD-PTAX"),
    ("challan ka payment karna hai", "pay", "TPT-CHALLAN"),
    ("संपत्ति कर का भुगतान", "pay", "MCD-PTAX"),
    # grievance
    ("mujhe shikayat karni hai", "grievance", "PGC-GRIEVANCE"),
    ("I have a complaint", "grievance", "PGC-GRIEVANCE"),
    ("shikayat", "grievance", "PGC-GRIEVANCE"),
    ("hamari gali me naali band hai bahut pareshani hai", "grievance", "PGC-GRIEVANCE"),
    # feedback
    ("feedback", "feedback", "PGC-FEEDBACK"),
    ("mujhe sujhav dena hai", "feedback", "PGC-FEEDBACK"),
    ("I would like to give a rating", "feedback", "PGC-FEEDBACK"),
    # human
    ("officer se baat karni hai", "human", N), ("talk to officer", "human", N), ("अधिकारी से बात करनी है", "human", N),
    ("mujhe kisi adhikari se baat karni hai", "human", N),
    # language
    ("Hindi", "language", N), ("हिन्दी", "language", N), ("English please", "language", N), ("angrezi", "language", N),
    # opt out / in
    ("STOP", "opt_out", N), ("Stop", "opt_out", N), ("band karo", "opt_out", N), ("messages mat bhejo", "opt_out", N),
    ("बंद करो", "opt_out", N), ("START", "opt_in", N), ("subscribe", "opt_in", N), ("chalu karo", "opt_in", N),
    # cancel
    ("cancel", "cancel", N), ("Cancel karo", "cancel", N), ("रद्द", "cancel", N), ("rehne do", "cancel", N),
    ("mujhe nahi chahiye", "cancel", N),
    # unknown
    ("", "unknown", N), ("   ", "unknown", N), ("qwerty", "unknown", N), ("kal barish hogi kya", "unknown", N),
    ("what is the capital of France", "unknown", N),
]  # fmt: skip


@pytest.mark.parametrize(("text", "intent", "service"), INTENT_CASES)
def test_it_understands_what_citizens_write(index, text, intent, service):
    result = understand(text, index=index)

    assert (result.intent, result.service) == (intent, service), result


def test_every_intent_is_covered():
    assert {intent for _, intent, _ in INTENT_CASES} == set(INTENTS)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("birth certificate", "MCD-BIRTH"), ("berth certificate", "MCD-BIRTH"), ("birth certificat", "MCD-BIRTH"),
        ("janam praman patra", "MCD-BIRTH"), ("janma pramaan patra", "MCD-BIRTH"), ("जन्म प्रमाण पत्र", "MCD-BIRTH"),
        ("जन्म प्रमाणपत्र", "MCD-BIRTH"), ("birthcertificate", "MCD-BIRTH"), ("income certficate", "REV-INCOME"),
        ("aay praman patra", "REV-INCOME"), ("आय प्रमाण पत्र", "REV-INCOME"), ("rashan card", "DFS-RATION-NEW"),
        ("राशन कार्ड", "DFS-RATION-NEW"), ("driving licence renewal", "TPT-DL-RENEW"), ("DL renew", "TPT-DL-RENEW"),
        ("old age pension", "DSW-OAP"), ("vridhavastha pension", "DSW-OAP"), ("widow pension", "WCD-WIDOW"),
        ("vidhva pension", "WCD-WIDOW"), ("property tax", "MCD-PTAX"), ("house tax", "MCD-PTAX"),
        ("water bill", "DJB-BILL"), ("पानी का बिल", "DJB-BILL"), ("jal board bill", "DJB-BILL"),
        ("police clearance certificate", "DP-PCC"), ("kirayedar verification", "DP-TENANT"),
        ("chhatravritti", "SCW-SCHOLARSHIP"), ("scholarship", "SCW-SCHOLARSHIP"), ("ladli yojna", "WCD-LADLI"),
        ("marriage certificate", "REV-MARRIAGE"), ("vivah praman patra", "REV-MARRIAGE"),
        ("mutation", "MCD-MUTATION"), ("labour card", "LAB-BOCW"), ("ayushman card", "HFW-AYUSHMAN"),
        ("traffic challan", "TPT-CHALLAN"), ("lal dora", "REV-LALDORA"), ("EWS certificate", "REV-EWS"),
        ("OBC certificate", "REV-OBC"), ("duplicate RC", "TPT-RC-DUPLICATE"), ("ration ki dukan", "DFS-FPS"),
        ("trade license", "MCD-TRADE"), ("MCD-BIRTH", "MCD-BIRTH"),
    ],
)  # fmt: skip
def test_it_finds_the_service_by_any_of_its_names(index, text, code):
    assert understand(text, index=index).service == code


def test_a_generic_word_alone_names_no_service(index):
    for text in ("status", "certificate", "praman patra", "bill", "kab", "स्थिति"):
        assert understand(text, index=index).service is None, text


@pytest.mark.parametrize(
    "text",
    [
        "DLA260001234", "dla260001234", "DLA 26 0001234", "dla-26-0001234", "DLA-2026-0001234",
        "dla 2026 0001234", "DLA26-0001234", "status of DLA 26 0001234 please", "DLA२६०००१२३४",
        "डीएलए नहीं, DLA-२६-०००१२३४ देखो",
    ],
)  # fmt: skip
def test_it_reads_a_reference_in_any_spelling(index, text):
    result = understand(text, index=index)

    assert result.reference == "DLA260001234"
    assert result.intent == "status"


def test_it_pads_short_reference_numbers_and_reads_every_prefix():
    assert reference_parse("dla 2026 000123") == "DLA260000123"
    assert reference_parse("DLA-2026-000123") == "DLA260000123"
    assert reference_parse("dla2026000123") == "DLA260000123"
    assert reference_parse("my complaint dlg 26 456") == "DLG260000456"
    assert reference_parse("receipt DLP260004567") == "DLP260004567"


def test_it_does_not_invent_references():
    for text in ("DLA", "DLA 26", "DLX260001234", "MODLA260001234", "9876543210", "DLA 26 0000000"):
        assert reference_parse(text) is None, text


def test_a_reference_does_not_become_a_menu_number_or_an_aadhaar(index):
    result = understand("DLA 26 0001234", index=index)

    assert result.number is None and result.reference == "DLA260001234"


@pytest.mark.parametrize(("text", "number"), [("2", 2), ("२", 2), ("१२", 12), (" 3. ", 3), ("option 4", 4)])
def test_a_bare_number_picks_a_row_in_devanagari_digits_too(index, text, number):
    result = understand(text, index=index)

    assert (result.intent, result.number) == ("menu", number)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("मेरी पेंशन कब आएगी", "hi"), ("pension kab aayegi", "hi"), ("mujhe income certificate chahiye", "hi"),
        ("officer se baat karni hai", "hi"), ("band karo", "hi"), ("paani ka bill bharna hai", "hi"),
        ("मेरा birth certificate", "hi"), ("kya haal hai", "hi"), ("I want a birth certificate", "en"),
        ("STOP", "en"), ("brth certficate", "en"), ("what is the status of my application", "en"),
        ("pay water bill", "en"), ("DLA260001234", "en"),
    ],
)  # fmt: skip
def test_it_detects_the_language_hinglish_counting_as_hindi(text, language):
    assert language_detect(text) == language


def test_a_language_choice_answers_in_the_language_chosen(index):
    assert understand("हिंदी", index=index).target_language == "hi"
    assert understand("Hindi", index=index).language == "hi"
    english = understand("अंग्रेज़ी", index=index)
    assert (english.intent, english.target_language, english.language) == ("language", "en", "en")


def test_romanising_makes_hindi_comparable_with_hinglish():
    assert romanise("जन्म") == "janm"
    assert romanise("करना") == "karna"
    assert romanise("पेंशन") == "penshan"
    assert tokens("प्रमाण पत्र") == ["praman", "patr"]
    assert skeleton("janam") == skeleton("janm") == skeleton("janma")
    assert skeleton("pension") == skeleton("penshan")


def test_the_understanding_is_what_the_command_prints(index):
    result = understand("mujhe janm praman patra chahiye", index=index)

    assert result.as_json() == {"intent": "apply", "service": "MCD-BIRTH", "reference": None, "language": "hi"}
    assert 0 < result.confidence <= 1
