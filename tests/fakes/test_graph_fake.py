"""Tests of the Graph API fake itself, over real HTTP with `requests` (no database)."""

# Fixture parameters shadow the imported fixture by design.

import base64
import copy
import hashlib
import json
import re
import socket
import time

import pytest
import requests

from tests.fakes.graph.fake import GraphFake

TOKEN = "test-token"
PHONE_ID = "106540352242922"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WAMID_RE = re.compile(r"^wamid\.[A-Za-z0-9+/]+=*$")


def send(fake, body, *, token=TOKEN, version="v23.0", phone_id=PHONE_ID, session=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    post = session.post if session is not None else requests.post
    kwargs.setdefault("timeout", 5)
    return post(f"{fake.base_url}/{version}/{phone_id}/messages", json=body, headers=headers, **kwargs)


def text(body="Hello", to="+1 650-555-1234"):
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }


def buttons(*titles):
    return {
        "messaging_product": "whatsapp",
        "to": "16505551234",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Pick one"},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": f"b{n}", "title": t}} for n, t in enumerate(titles)]
            },
        },
    }


def list_message(*row_counts, row=None):
    sections = []
    n = 0
    for s, count in enumerate(row_counts):
        rows = []
        for _ in range(count):
            rows.append({"id": f"row{n}", "title": f"Row {n}", "description": "A row"})
            n += 1
        sections.append({"title": f"Section {s}", "rows": rows})
    if row is not None:
        sections[0]["rows"][0].update(row)
    return {
        "messaging_product": "whatsapp",
        "to": "16505551234",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Services"},
            "body": {"text": "Which service?"},
            "footer": {"text": "govchat"},
            "action": {"button": "Choose", "sections": sections},
        },
    }


def assert_invalid(resp, details_fragment):
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert error["message"] == "(#100) Invalid parameter"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert details_fragment in error["error_data"]["details"], error["error_data"]["details"]
    assert error["fbtrace_id"]


# -- sending -------------------------------------------------------------------------------------------------------


def test_valid_text_send_returns_wamid(graph_fake):
    resp = send(graph_fake, text())
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    data = resp.json()
    assert data["messaging_product"] == "whatsapp"
    assert data["contacts"] == [{"input": "+1 650-555-1234", "wa_id": "16505551234"}]
    wamid = data["messages"][0]["id"]
    assert WAMID_RE.match(wamid)
    assert b"16505551234" in base64.b64decode(wamid.removeprefix("wamid."))
    assert send(graph_fake, text()).json()["messages"][0]["id"] != wamid
    assert graph_fake.sent_messages(PHONE_ID) == [text(), text()]
    assert graph_fake.sent_messages("other") == []
    assert graph_fake.sent_wamids()[0] == wamid


def test_bsuid_recipient_gets_user_id(graph_fake):
    body = {
        "messaging_product": "whatsapp",
        "recipient": "US.13491208655302741918",
        "type": "text",
        "text": {"body": "Hi"},
    }
    data = send(graph_fake, body).json()
    assert data["contacts"] == [{"input": "US.13491208655302741918", "user_id": "US.13491208655302741918"}]
    both = {**body, "to": "16505551234"}
    assert_invalid(send(graph_fake, both), "Only one of")


def test_other_message_types_accepted(graph_fake):
    base = {"messaging_product": "whatsapp", "to": "16505551234", "context": {"message_id": "wamid.X"}}
    bodies = [
        {"type": "template", "template": {"name": "hello", "language": {"code": "en_US"}, "components": []}},
        {"type": "document", "document": {"id": "123", "filename": "a.pdf", "caption": "x" * 1024}},
        {"type": "image", "image": {"link": "https://example.org/a.png"}},
        {"type": "audio", "audio": {"id": "123"}},
        {"type": "location", "location": {"latitude": "52.5", "longitude": 13.4, "name": "Office"}},
        {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": ""}},
        {"type": "contacts", "contacts": [{"name": {"formatted_name": "Ada"}}]},
        {
            "type": "interactive",
            "interactive": {
                "type": "cta_url",
                "body": {"text": "Open the form"},
                "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://gov.example"}},
            },
        },
        buttons("a" * 20, "b", "c"),
        list_message(4, 6),
        text("x" * 4096),
    ]
    for body in bodies:
        resp = send(graph_fake, {**base, **body, "biz_opaque_callback_data": "o" * 512})
        assert resp.status_code == 200, (body, resp.text)
    assert len(graph_fake.sent_messages()) == len(bodies)


def long_button_title():
    return buttons("a" * 21)


def long_list_button():
    body = list_message(1)
    body["interactive"]["action"]["button"] = "b" * 21
    return body


def missing_section_title():
    body = list_message(1, 1)
    del body["interactive"]["action"]["sections"][1]["title"]
    return body


def bad_cta_url():
    body = {"messaging_product": "whatsapp", "to": "1", "type": "interactive"}
    body["interactive"] = {
        "type": "cta_url",
        "body": {"text": "Open"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "ftp://x"}},
    }
    return body


@pytest.mark.parametrize(
    ("body", "details"),
    [
        pytest.param(
            buttons("a", "b", "c", "d"),
            "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3 (got 4)",
            id="4-buttons",
        ),
        pytest.param(
            long_button_title(), "Button title length invalid. Min length: 1, Max length: 20", id="21-char-button-title"
        ),
        pytest.param(buttons("Same", "Same"), "Button titles must be unique", id="duplicate-button-titles"),
        pytest.param(list_message(5, 6), "Total row count exceed max allowed count: 10 (got 11)", id="11-list-rows"),
        pytest.param(
            list_message(2, row={"title": "t" * 25}),
            "['rows'][0]['title'] must be at most 24 characters long (got 25)",
            id="25-char-row-title",
        ),
        pytest.param(
            list_message(2, row={"description": "d" * 73}),
            "['description'] must be at most 72 characters long (got 73)",
            id="73-char-description",
        ),
        pytest.param(
            list_message(2, row={"id": "i" * 201}), "['id'] must be at most 200 characters long", id="201-char-row-id"
        ),
        pytest.param(list_message(*([1] * 11)), "Max allowed sections: 10", id="11-sections"),
        pytest.param(
            long_list_button(), "interactive['action']['button'] must be at most 20", id="21-char-list-button"
        ),
        pytest.param(
            missing_section_title(),
            "The parameter interactive['action']['sections'][1]['title'] is required",
            id="missing-section-title",
        ),
        pytest.param(
            text("x" * 4097), "text['body'] must be at most 4096 characters long (got 4097)", id="4097-char-text"
        ),
        pytest.param(text(""), "text['body'] must not be empty", id="empty-text"),
        pytest.param(bad_cta_url(), "must be a valid http(s) URL", id="cta-url-not-http"),
        pytest.param(
            {**text(), "messaging_product": "sms"}, "messaging_product must be 'whatsapp'", id="wrong-product"
        ),
        pytest.param({**text(), "type": "poll"}, "Param type must be one of", id="unknown-type"),
        pytest.param(
            {**text(), "biz_opaque_callback_data": "o" * 513},
            "biz_opaque_callback_data must be at most 512",
            id="513-char-opaque-data",
        ),
        pytest.param(
            {**text(), "type": "image", "image": {"id": "1", "link": "https://x.org/a"}},
            "Exactly one of image['id']",
            id="image-id-and-link",
        ),
        pytest.param(
            {**text(), "type": "template", "template": {"name": "x"}},
            "template['language'] must be a JSON object",
            id="template-without-language",
        ),
        pytest.param({k: v for k, v in text().items() if k != "to"}, "The parameter to is required", id="no-recipient"),
        pytest.param([1, 2], "must be a JSON object", id="body-not-object"),
    ],
)
def test_limits_rejected_with_code_100(graph_fake, body, details):
    assert_invalid(send(graph_fake, body), details)
    assert graph_fake.sent_messages() == []


def test_mark_as_read(graph_fake):
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN"}
    assert send(graph_fake, body).json() == {"success": True}
    assert send(graph_fake, {**body, "typing_indicator": {"type": "text"}}).json() == {"success": True}
    assert_invalid(send(graph_fake, {**body, "message_id": ""}), "message_id must not be empty")
    assert graph_fake.read_receipts(PHONE_ID) == ["wamid.IN", "wamid.IN"]
    assert graph_fake.sent_messages() == []


# -- auth and versions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["wrong", None])
def test_bad_token_is_401_code_190(graph_fake, token):
    resp = send(graph_fake, text(), token=token)
    assert resp.status_code == 401
    error = resp.json()["error"]
    assert (error["type"], error["code"]) == ("OAuthException", 190)
    assert error["message"] and error["fbtrace_id"]
    assert graph_fake.sent_messages() == []


def test_tokens_can_be_rotated():
    with GraphFake(tokens={"new"}) as fake:
        assert send(fake, text()).status_code == 401
        assert send(fake, text(), token="new").status_code == 200


@pytest.mark.parametrize("version", ["v14.0", "v15.0", "v22.0"])
def test_old_version_rejected(graph_fake, version):
    resp = send(graph_fake, text(), version=version)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == 2635
    assert "deprecated" in error["message"]
    assert send(graph_fake, text(), version="v25.0").status_code == 200


def test_max_version_pins_the_configured_version():
    with GraphFake(min_version=24, max_version=24) as fake:
        assert send(fake, text(), version="v24.0").status_code == 200
        assert send(fake, text(), version="v25.0").status_code == 400
        assert send(fake, text(), version="v23.0").json()["error"]["code"] == 2635


def test_unknown_phone_number_id_when_restricted():
    with GraphFake(phone_number_ids={PHONE_ID}) as fake:
        assert send(fake, text()).status_code == 200
        error = send(fake, text(), phone_id="999").json()["error"]
        assert (error["code"], error["error_subcode"]) == (100, 33)


# -- fault injection -----------------------------------------------------------------------------------------------


def test_fail_next(graph_fake):
    graph_fake.fail_next(130429, times=2)
    for _ in range(2):
        resp = send(graph_fake, text())
        assert resp.status_code == 400
        error = resp.json()["error"]
        assert error["code"] == 130429
        assert error["message"] == "(#130429) Rate limit hit"
        assert "too many messages" in error["error_data"]["details"]
    assert send(graph_fake, text()).status_code == 200
    assert len(graph_fake.sent_messages()) == 1

    graph_fake.fail_next(190)
    assert send(graph_fake, text()).status_code == 401
    graph_fake.fail_next(131000, http_status=500, title="Something odd", details="Try later")
    resp = send(graph_fake, text())
    error = resp.json()["error"]
    assert resp.status_code == 500
    assert error["error_user_title"] == "Something odd"
    assert error["error_data"]["details"] == "Try later"


def test_fail_recipient(graph_fake):
    graph_fake.fail_recipient("+1 650 555 1234", 131026)
    assert send(graph_fake, text(to="16505551234")).json()["error"]["code"] == 131026
    assert send(graph_fake, text(to="+16505551234")).json()["error"]["code"] == 131026
    assert send(graph_fake, text(to="16505559999")).status_code == 200
    graph_fake.clear_failures()
    assert send(graph_fake, text(to="16505551234")).status_code == 200


def test_error_next_is_an_html_page_not_json(graph_fake):
    graph_fake.error_next(502)
    resp = send(graph_fake, text())
    assert resp.status_code == 502
    assert resp.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        resp.json()
    assert send(graph_fake, text()).status_code == 200


def test_delay_triggers_read_timeout(graph_fake):
    graph_fake.delay(0.6)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(graph_fake, text(), timeout=(1, 0.2))
    assert time.monotonic() - started < 0.55
    graph_fake.delay(0)
    assert send(graph_fake, text(), timeout=(1, 0.5)).status_code == 200


def test_customer_service_window():
    with GraphFake(enforce_csw=True) as fake:
        assert send(fake, text()).json()["error"]["code"] == 131047
        template = {"messaging_product": "whatsapp", "to": "16505551234", "type": "template"}
        template["template"] = {"name": "hello", "language": {"code": "en"}}
        assert send(fake, template).status_code == 200
        fake.open_window("+16505551234", phone_number_id=PHONE_ID)
        assert send(fake, text()).status_code == 200
        fake.advance(24 * 3600)
        assert send(fake, text()).json()["error"]["code"] == 131047


# -- media ---------------------------------------------------------------------------------------------------------


def test_media_round_trip_requires_token_on_download(graph_fake):
    content = b"%PDF-1.7\r\n\x00\xff binary"
    graph_fake.add_media("2621233374848975", content, "application/pdf")
    info_url = f"{graph_fake.base_url}/v23.0/2621233374848975"
    resp = requests.get(info_url, params={"phone_number_id": PHONE_ID}, headers=AUTH, timeout=5)
    info = resp.json()
    assert resp.status_code == 200
    assert info["messaging_product"] == "whatsapp"
    assert info["id"] == "2621233374848975"
    assert info["mime_type"] == "application/pdf"
    assert info["sha256"] == hashlib.sha256(content).hexdigest()
    assert info["file_size"] == str(len(content))
    assert info["url"].startswith(f"{graph_fake.base_url}/whatsapp_business/attachments/?mid=2621233374848975&token=")
    assert graph_fake.requests[-1].phone_number_id == PHONE_ID

    unauthenticated = requests.get(info["url"], timeout=5)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == 190
    download = requests.get(info["url"], headers=AUTH, timeout=5)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["Content-Type"] == "application/pdf"

    assert requests.get(info_url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
    unknown = requests.get(f"{graph_fake.base_url}/v23.0/404404", headers=AUTH, timeout=5)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100

    graph_fake.advance(301)
    assert requests.get(info["url"], headers=AUTH, timeout=5).status_code == 404
    assert requests.delete(info_url, headers=AUTH, timeout=5).json() == {"success": True}
    assert requests.get(info_url, headers=AUTH, timeout=5).status_code == 400


def test_corrupt_media_metadata(graph_fake):
    graph_fake.add_media("1", b"abc", "image/jpeg", sha256="0" * 64, file_size=999)
    info = requests.get(f"{graph_fake.base_url}/v23.0/1", headers=AUTH, timeout=5).json()
    assert (info["sha256"], info["file_size"]) == ("0" * 64, "999")
    assert requests.get(info["url"], headers=AUTH, timeout=5).content == b"abc"


def test_upload(graph_fake):
    content = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
    resp = requests.post(
        f"{graph_fake.base_url}/v23.0/{PHONE_ID}/media",
        headers=AUTH,
        data={"messaging_product": "whatsapp", "type": "image/png"},
        files={"file": ("photo.png", content, "image/png")},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    media_id = resp.json()["id"]
    assert media_id.isdigit()
    stored = graph_fake.get_media(media_id)
    assert (stored.content, stored.filename, stored.phone_number_id) == (content, "photo.png", PHONE_ID)
    info = requests.get(f"{graph_fake.base_url}/v23.0/{media_id}", headers=AUTH, timeout=5).json()
    assert info["mime_type"] == "image/png"
    assert requests.get(info["url"], headers=AUTH, timeout=5).content == content

    bad = requests.post(
        f"{graph_fake.base_url}/v23.0/{PHONE_ID}/media",
        headers=AUTH,
        data={"messaging_product": "whatsapp", "type": "application/x-msdownload"},
        files={"file": ("a.exe", b"MZ", "application/x-msdownload")},
        timeout=5,
    )
    assert_invalid(bad, "Param file must be a file with one of the following types")
    no_product = requests.post(
        f"{graph_fake.base_url}/v23.0/{PHONE_ID}/media",
        headers=AUTH,
        data={"type": "image/png"},
        files={"file": ("a.png", b"x", "image/png")},
        timeout=5,
    )
    assert_invalid(no_product, "messaging_product must be 'whatsapp'")


# -- connections, rate, recording, robustness ----------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(graph_fake):
    with requests.Session() as session:
        for n in range(20):
            assert send(graph_fake, text(f"msg {n}"), session=session).status_code == 200
    assert graph_fake.connections_opened == 1
    assert {r.connection_id for r in graph_fake.requests} == {1}
    # A bare requests.post (as heyoo does) opens a connection per call.
    send(graph_fake, text())
    send(graph_fake, text())
    assert graph_fake.connections_opened == 3


def test_max_rate(graph_fake):
    with requests.Session() as session:
        for _ in range(3):
            send(graph_fake, text(), session=session)
        time.sleep(0.3)
        for _ in range(2):
            send(graph_fake, text(), session=session)
        send(graph_fake, {"messaging_product": "whatsapp", "status": "read", "message_id": "w"}, session=session)
        graph_fake.fail_next(130429)
        send(graph_fake, text(), session=session)  # rejected: not counted
    assert graph_fake.max_rate(PHONE_ID) == 5.0
    assert graph_fake.max_rate(PHONE_ID, window=0.25) == 12.0
    assert graph_fake.max_rate("other") == 0.0
    graph_fake.reset()
    assert graph_fake.max_rate(PHONE_ID) == 0.0
    assert graph_fake.requests == []


def test_requests_are_recorded(graph_fake):
    body = text()
    before = time.monotonic()
    send(graph_fake, copy.deepcopy(body), token="wrong")
    (record,) = graph_fake.requests
    assert (record.method, record.path, record.status) == ("POST", f"/v23.0/{PHONE_ID}/messages", 401)
    assert record.headers["authorization"] == "Bearer wrong"
    assert record.json == body
    assert json.loads(record.body) == body
    assert record.phone_number_id == PHONE_ID
    assert record.timestamp >= before


def raw_exchange(fake, payload: bytes) -> bytes:
    host, port = fake.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_survives_malformed_requests(graph_fake):
    url = f"{graph_fake.base_url}/v23.0/{PHONE_ID}/messages"
    headers = {**AUTH, "Content-Type": "application/json"}
    assert_invalid(requests.post(url, data=b"{not json", headers=headers, timeout=5), "not valid JSON")
    assert_invalid(requests.post(url, headers=AUTH, timeout=5), "body is empty")
    assert_invalid(requests.post(url, data=b"\xff\xfe", headers=headers, timeout=5), "not valid JSON")
    assert_invalid(requests.post(url, json={"messaging_product": "whatsapp", "to": 5}, headers=AUTH, timeout=5), "to")
    weird = {"messaging_product": "whatsapp", "to": "1", "type": "interactive", "interactive": {"type": "list"}}
    for interactive in ({"type": "list", "body": {"text": "x"}, "action": {"sections": [None]}}, [], "x", None):
        weird["interactive"] = interactive
        assert send(graph_fake, weird).status_code == 400
    assert raw_exchange(graph_fake, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400")
    bad_length = f"POST /v23.0/{PHONE_ID}/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n".encode()
    assert raw_exchange(graph_fake, bad_length).startswith(b"HTTP/1.1 400")
    no_headers = f"POST /v23.0/{PHONE_ID}/messages HTTP/1.0\r\n\r\n".encode()
    assert raw_exchange(graph_fake, no_headers).startswith(b"HTTP/1.1 401 ")
    assert requests.get(f"{graph_fake.base_url}/", timeout=5).status_code == 400
    chunked = requests.post(url, data=iter([json.dumps(text()).encode()]), headers=headers, timeout=5)
    assert chunked.status_code == 200
    assert all(r.status != 500 for r in graph_fake.requests)


def test_stop_closes_idle_keep_alive_connections():
    fake = GraphFake().start()
    session = requests.Session()
    assert send(fake, text(), session=session).status_code == 200
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(RuntimeError):
        fake.base_url  # noqa: B018
    session.close()
