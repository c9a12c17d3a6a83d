"""The demo portal of the embedded default: /demo-portal/<connector>/..., the REST contract of `rest.py`
with a fixed data set, so the status services answer something real on a laptop. Off (404) unless
PORTAL_DEMO_ENABLED, which production leaves off.

Demo numbers: pension EDPEN2024001 (paid), EDPEN2024002 (under verification), EDPEN2024003 (rejected);
ration card 201900123456 (active), application RC2024000456 (pending); scholarship SCH2024000789 (paid),
SCH2024000790 (with the institute); admission EWS2025001234 (school allotted), EWS2025001235 (not
selected); grievance PGMS2025000111 (action taken). Submissions are accepted, and the same
Idempotency-Key always gets the same portal reference.

Dues of the pay services (GET .../dues/<service>/?number=..., POST .../dues/<service>/paid/):
- MCD-PTAX (UPIC): 0701000123456 this financial year's tax less the early-payment rebate (₹4,365);
  0902000654321 this year's tax, last year's arrears and interest on them (₹25,816); 0503000111111 nothing due.
- DJB-BILL (K No.): 1234567890 water, sewer charges and arrears (₹981.60); 2345678901 water and sewer
  (₹424); 3456789012 nothing due.
- TPT-CHALLAN: vehicle DL01AB1234 has two challans, DL116709250114100001 (over-speeding, ₹2,000) and
  DL116709250203100002 (no parking, ₹500), each also found by its own number; DL02CD5678 nothing due.
A demand reported paid is marked so in the cache (for DEMO_PAID_SECONDS) and is no longer due; the same
Idempotency-Key again gets the same receipt, another key for a paid demand a 409. `demo_dues_reset()`
forgets the payments.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.services.models import Service


def _record(status_en: str, status_hi: str, *details: tuple[str, str, str]) -> dict:
    return {
        "found": True, "status_text_en": status_en, "status_text_hi": status_hi,
        "details": [{"label_en": en, "label_hi": hi, "value": value} for en, hi, value in details],
    }  # fmt: skip


NAME, SCHEME, OFFICE = ("Name", "नाम"), ("Scheme", "योजना"), ("Office", "कार्यालय")
DEMO_RECORDS: dict[str, dict[str, dict]] = {
    "DSW-PENSION-STATUS": {
        "EDPEN2024001": _record("Approved. ₹2,500 a month is paid to the bank account; last paid on 1 March.",
                                "मंज़ूर। ₹2,500 हर महीने बैंक खाते में; पिछला भुगतान 1 मार्च को।",
                                (*NAME, "Ram Pyari"), (*SCHEME, "Old age pension"), (*OFFICE, "SDM Karol Bagh")),
        "EDPEN2024002": _record("Under verification by the field officer.", "फील्ड अधिकारी जांच कर रहे हैं।",
                                (*NAME, "Mohd. Salim"), (*SCHEME, "Disability pension"), (*OFFICE, "SDM Seelampur")),
        "EDPEN2024003": _record("Rejected: the family income is above the limit.",
                                "नामंज़ूर: परिवार की आय सीमा से अधिक है।",
                                (*NAME, "Sushila Devi"), (*SCHEME, "Old age pension"), (*OFFICE, "SDM Dwarka")),
    },
    "DFS-RATION-STATUS": {
        "201900123456": _record("The ration card is active.", "राशन कार्ड चालू है।",
                                ("Card type", "कार्ड का प्रकार", "PR (priority household)"),
                                ("Members", "सदस्य", "4"), ("Fair price shop", "राशन की दुकान", "FPS 4021, Rohini")),
        "RC2024000456": _record("Pending with the circle office for verification.",
                                "सर्कल कार्यालय में जांच के लिए लंबित।",
                                (*OFFICE, "Circle 12, Shahdara"), ("Applied on", "आवेदन की तिथि", "12-01-2025")),
    },
    "SCW-SCHOLARSHIP-STATUS": {
        "SCH2024000789": _record("Sanctioned and paid by DBT to the Aadhaar-linked account.",
                                 "मंज़ूर; डीबीटी से आधार से जुड़े खाते में भेज दिया गया।",
                                 ("Amount", "राशि", "₹12,000"), ("Paid on", "भुगतान की तिथि", "20-02-2025")),
        "SCH2024000790": _record("With your institute for verification.", "जांच के लिए आपके संस्थान के पास।",
                                 ("Institute", "संस्थान", "Govt. ITI Pusa")),
    },
    "EDU-ADMISSION-STATUS": {
        "EWS2025001234": _record("Selected in the first draw. Report to the school with original documents.",
                                 "पहले ड्रॉ में चयन हुआ। असली दस्तावेज़ों के साथ स्कूल में रिपोर्ट करें।",
                                 ("School", "स्कूल", "Bal Bharati Public School, Pitampura"),
                                 ("Class", "कक्षा", "Nursery"), ("Report by", "रिपोर्ट करने की अंतिम तिथि", "15-04-2025")),
        "EWS2025001235": _record("Not selected in the first draw; the application stays in the next draws.",
                                 "पहले ड्रॉ में चयन नहीं हुआ; आवेदन अगले ड्रॉ में शामिल रहेगा।",
                                 ("Class", "कक्षा", "KG")),
    },
    "PGC-GRIEVANCE-STATUS": {
        "PGMS2025000111": _record("Action taken: the street light has been repaired.",
                                  "कार्रवाई हुई: स्ट्रीट लाइट ठीक कर दी गई है।",
                                  (*OFFICE, "EE (Electrical), North MCD")),
    },
}  # fmt: skip


def _number(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _enabled(connector: str) -> None:
    if not settings.PORTAL_DEMO_ENABLED or connector not in Service.Connector.values:
        raise Http404


def demo_reference(connector: str, key: str) -> str:
    return f"{connector[:4].upper()}-{hashlib.sha256(key.encode()).hexdigest()[:10].upper()}"


@csrf_exempt
@require_POST
def demo_submit(request, connector: str):
    _enabled(connector)
    key = request.headers.get("Idempotency-Key", "").strip()
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not key or not isinstance(body, dict) or not body.get("reference") or not body.get("service"):
        return JsonResponse({"error": "Send a JSON object with service and reference, and an Idempotency-Key."},
                            status=400)  # fmt: skip
    return JsonResponse({"reference": demo_reference(connector, key), "status": "received"}, status=201)


@require_GET
def demo_status(request, connector: str, reference: str):
    _enabled(connector)
    if not reference.startswith(f"{connector[:4].upper()}-"):
        return JsonResponse({"error": "No such application."}, status=404)
    return JsonResponse({"reference": reference, "status": "received", "note": ""})


@require_GET
def demo_lookup(request, connector: str, service: str):
    _enabled(connector)
    record = DEMO_RECORDS.get(service, {}).get(_number(request.GET.get("number", "")))
    if record is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse(record)


# Dues of the pay services.

DEMO_PAID_SECONDS = 24 * 3600


def _demand(demand_id: str, en: str, hi: str, *lines: tuple[str, str, int]) -> dict:
    return {
        "demand_id": demand_id, "description_en": en, "description_hi": hi,
        "breakup": [{"label_en": label_en, "label_hi": label_hi, "amount_paise": paise}
                    for label_en, label_hi, paise in lines],
        "amount_paise": sum(paise for _, _, paise in lines),
    }  # fmt: skip


def _financial_year() -> str:
    today = timezone.localdate()
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _challan(number: str, offence: tuple[str, str], place: tuple[str, str], date: str, paise: int) -> dict:
    return _demand(
        number, f"Challan {number}: {offence[0]} at {place[0]} on {date}",
        f"चालान {number}: {place[1]} पर {offence[1]}, {date}", (f"Fine: {offence[0]}", f"जुर्माना: {offence[1]}", paise),
    )  # fmt: skip


def demo_dues_data() -> dict[str, dict[str, list[dict]]]:
    """Service code -> number -> the demands due (before any demo payment)."""
    fy = _financial_year()
    last = f"{int(fy[:4]) - 1}-{fy[2:4]}"
    speeding = _challan(
        "DL116709250114100001",
        ("over-speeding", "तेज़ रफ़्तार"),
        ("Ring Road near AIIMS", "एम्स के पास रिंग रोड"),
        "14-01-2025",
        200000,
    )
    parking = _challan(
        "DL116709250203100002",
        ("parking in a no-parking zone", "नो-पार्किंग में गाड़ी खड़ी करना"),
        ("Connaught Place Outer Circle", "कनॉट प्लेस आउटर सर्कल"),
        "03-02-2025",
        50000,
    )
    return {
        "MCD-PTAX": {
            "0701000123456": [_demand(
                f"PT-0701000123456-{fy}", f"Property tax {fy}, UPIC 0701000123456 (H. No. 12, Sector 7, Rohini)",
                f"संपत्ति कर {fy}, यूपीआईसी 0701000123456 (मकान नं. 12, सेक्टर 7, रोहिणी)",
                (f"Property tax {fy}", f"संपत्ति कर {fy}", 485000),
                ("Rebate for paying the whole year early (10%)", "पूरे साल का कर जल्दी भरने पर छूट (10%)", -48500),
            )],
            "0902000654321": [_demand(
                f"PT-0902000654321-{fy}",
                f"Property tax {fy} with arrears, UPIC 0902000654321 (Shop 4, Lajpat Nagar II)",
                f"संपत्ति कर {fy} बकाया सहित, यूपीआईसी 0902000654321 (दुकान 4, लाजपत नगर II)",
                (f"Property tax {fy}", f"संपत्ति कर {fy}", 1260000),
                (f"Arrears {last}", f"बकाया {last}", 1180000),
                ("Interest on arrears", "बकाया पर ब्याज", 141600),
            )],
            "0503000111111": [],
        },
        "DJB-BILL": {
            "1234567890": [_demand(
                "DJB-1234567890-B0042", "Water bill, K No. 1234567890 (latest bill)",
                "पानी का बिल, के-नंबर 1234567890 (ताज़ा बिल)",
                ("Water charges", "पानी शुल्क", 41850), ("Sewer charges", "सीवर शुल्क", 25110),
                ("Arrears", "बकाया", 31200),
            )],
            "2345678901": [_demand(
                "DJB-2345678901-B0017", "Water bill, K No. 2345678901 (latest bill)",
                "पानी का बिल, के-नंबर 2345678901 (ताज़ा बिल)",
                ("Water charges", "पानी शुल्क", 26500), ("Sewer charges", "सीवर शुल्क", 15900),
            )],
            "3456789012": [],
        },
        "TPT-CHALLAN": {
            "DL01AB1234": [speeding, parking],
            speeding["demand_id"]: [speeding],
            parking["demand_id"]: [parking],
            "DL02CD5678": [],
        },
    }  # fmt: skip


def _paid_key(service: str, demand_id: str) -> str:
    return f"demo-portal:dues-paid:{service}:{demand_id}"


def demo_dues_reset() -> None:
    """Forget the demo payments: every demo demand is due again."""
    cache.delete_many(
        [_paid_key(service, d["demand_id"]) for service, numbers in demo_dues_data().items()
         for demands in numbers.values() for d in demands]
    )  # fmt: skip


@require_GET
def demo_dues(request, connector: str, service: str):
    _enabled(connector)
    demands = demo_dues_data().get(service, {}).get(_number(request.GET.get("number", "")))
    if demands is None:
        return JsonResponse({"found": False}, status=404)
    due = [d for d in demands if cache.get(_paid_key(service, d["demand_id"])) is None]
    return JsonResponse({"found": True, "demands": due})


@csrf_exempt
@require_POST
def demo_dues_paid(request, connector: str, service: str):
    _enabled(connector)
    key = request.headers.get("Idempotency-Key", "").strip()
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not key or not isinstance(body, dict) or not body.get("demand_id"):
        return JsonResponse({"error": "Send a JSON object with demand_id and amount_paise, and an Idempotency-Key."},
                            status=400)  # fmt: skip
    demands = {d["demand_id"]: d for ds in demo_dues_data().get(service, {}).values() for d in ds}
    demand = demands.get(str(body["demand_id"]))
    if demand is None:
        return JsonResponse({"error": "No such demand."}, status=404)
    if body.get("amount_paise") != demand["amount_paise"]:
        return JsonResponse({"error": f"The amount due is {demand['amount_paise']} paise."}, status=422)
    answer = {"receipt": demo_reference(connector, f"paid:{key}"), "status": "recorded"}
    if cache.add(_paid_key(service, demand["demand_id"]), {"key": key, **answer}, DEMO_PAID_SECONDS):
        return JsonResponse(answer, status=201)
    earlier = cache.get(_paid_key(service, demand["demand_id"])) or {}
    if earlier.get("key") != key:
        return JsonResponse({"error": f"Already paid (receipt {earlier.get('receipt', '')})."}, status=409)
    return JsonResponse({"receipt": earlier["receipt"], "status": earlier["status"]})
