"""The demo portal of the embedded default: /demo-portal/<connector>/..., the REST contract of `rest.py`
with a fixed data set, so the status services answer something real on a laptop. Off (404) unless
PORTAL_DEMO_ENABLED, which production leaves off.

Demo numbers: pension EDPEN2024001 (paid), EDPEN2024002 (under verification), EDPEN2024003 (rejected);
ration card 201900123456 (active), application RC2024000456 (pending); scholarship SCH2024000789 (paid),
SCH2024000790 (with the institute); admission EWS2025001234 (school allotted), EWS2025001235 (not
selected); grievance PGMS2025000111 (action taken). Submissions are accepted, and the same
Idempotency-Key always gets the same portal reference.
"""

import hashlib
import json

from django.conf import settings
from django.http import Http404, JsonResponse
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
