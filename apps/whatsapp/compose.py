"""What a message looks like to Meta: the Cloud API's JSON for each kind, fitted to Meta's limits.

Pure functions (no database, no network): the conversation's outbox (`apps.conversations.outbound`) asks
for a `Composed` message and stores it; `client.py` sends it. No other module builds Meta's JSON, so no
caller has to know that a button title holds 20 characters or a list 10 rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Meta's limits (doc §2).
TEXT_MAX, BUTTON_BODY_MAX, HEADER_MAX, FOOTER_MAX = 4096, 1024, 60, 60
BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX = 3, 20, 256
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_ID_MAX, LIST_BUTTON_MAX, SECTION_TITLE_MAX = 10, 24, 72, 200, 20, 24
CAPTION_MAX = 1024
TEMPLATE_PARAMETER_MAX = 1024
MORE_ROW = {"en": ("More options", "Next page"), "hi": ("और विकल्प", "अगला पेज")}


def fit(text: str, limit: int) -> str:
    """Cut to Meta's limit with an ellipsis rather than have Meta refuse the whole message."""
    text = " ".join(text.split()) if limit <= 72 else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Composed:
    """One message ready for the outbox: Meta's type and JSON, a plain-text gist for officers and the
    simulator, and the ids of the buttons or rows it shows (so a citizen who types "2" picks the second)."""

    type: str
    payload: dict
    gist: str
    choices: list[str] = field(default_factory=list)


def text(*, body: str, reply_to: str = "") -> Composed:
    payload = {"type": "text", "text": {"body": fit(body, TEXT_MAX), "preview_url": False}}
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return Composed("text", payload, payload["text"]["body"])


def buttons(*, body: str, options: list[tuple[str, str]], header: str = "", footer: str = "") -> Composed:
    """Reply buttons: at most 3; titles of 20 characters, unique."""
    if not 1 <= len(options) <= BUTTONS_MAX:
        raise ValueError(f"WhatsApp shows 1 to {BUTTONS_MAX} reply buttons; use menu() for more")
    seen, rendered = set(), []
    for option_id, title in options:
        title = fit(title, BUTTON_TITLE_MAX)
        suffix = 1
        while title in seen:  # titles must be unique within a message
            suffix += 1
            title = fit(title, BUTTON_TITLE_MAX - len(str(suffix)) - 1) + f" {suffix}"
        seen.add(title)
        rendered.append({"type": "reply", "reply": {"id": option_id[:BUTTON_ID_MAX], "title": title}})
    interactive = {"type": "button", "body": {"text": fit(body, BUTTON_BODY_MAX)}, "action": {"buttons": rendered}}
    _header_footer(interactive, header, footer)
    gist = interactive["body"]["text"] + "\n" + " | ".join(b["reply"]["title"] for b in rendered)
    return Composed("interactive", {"type": "interactive", "interactive": interactive}, gist,
                    [option_id for option_id, _ in options])  # fmt: skip


def menu(*, body: str, button: str, rows: list[Row], language: str, page: int = 1, more_id: str = "",
         section_title: str = "", header: str = "", footer: str = "") -> Composed:  # fmt: skip
    """A list message. More than 10 rows are paged: 9 a page and a "more" row whose id is `more_id:<next page>`."""
    if not rows:
        raise ValueError("a list needs at least one row")
    per_page = ROWS_MAX if len(rows) <= ROWS_MAX else ROWS_MAX - 1
    start = (page - 1) * per_page
    rendered = [
        {"id": row.id[:ROW_ID_MAX], "title": fit(row.title, ROW_TITLE_MAX),
         **({"description": fit(row.description, ROW_DESCRIPTION_MAX)} if row.description else {})}
        for row in rows[start : start + per_page]
    ]  # fmt: skip
    if start + per_page < len(rows):
        title, description = MORE_ROW.get(language, MORE_ROW["en"])
        rendered.append({"id": f"{more_id or 'more'}:{page + 1}", "title": title, "description": description})
    section = {"rows": rendered}
    if section_title:
        section["title"] = fit(section_title, SECTION_TITLE_MAX)
    interactive = {
        "type": "list",
        "body": {"text": fit(body, TEXT_MAX)},
        "action": {"button": fit(button, LIST_BUTTON_MAX), "sections": [section]},
    }
    _header_footer(interactive, header, footer)
    gist = interactive["body"]["text"] + "\n" + "\n".join(f"• {r['title']}" for r in rendered)
    return Composed("interactive", {"type": "interactive", "interactive": interactive}, gist,
                    [row["id"] for row in rendered])  # fmt: skip


def link_button(*, body: str, label: str, url: str) -> Composed:
    interactive = {
        "type": "cta_url",
        "body": {"text": fit(body, BUTTON_BODY_MAX)},
        "action": {"name": "cta_url", "parameters": {"display_text": fit(label, BUTTON_TITLE_MAX), "url": url}},
    }
    return Composed("interactive", {"type": "interactive", "interactive": interactive}, body)


def media(*, kind: str, media_id: str = "", link: str = "", caption: str = "", filename: str = "") -> Composed:
    """A document (PDF receipts and certificates) or an image, by uploaded media id or by link."""
    if kind not in {"document", "image"} or bool(media_id) == bool(link):
        raise ValueError("send a document or an image, by exactly one of media_id or link")
    item = {"id": media_id} if media_id else {"link": link}
    if caption:
        item["caption"] = fit(caption, CAPTION_MAX)
    if filename and kind == "document":
        item["filename"] = filename[:240]
    return Composed(kind, {"type": kind, kind: item}, caption or filename or kind)


def template(*, name: str, parameters: list[str], language: str) -> Composed:
    """An approved template in one language; the only kind Meta delivers outside the 24-hour window."""
    body = {"type": "template", "template": {"name": name, "language": {"code": language}}}
    if parameters:
        values = [{"type": "text", "text": fit(p, TEMPLATE_PARAMETER_MAX)} for p in parameters]
        body["template"]["components"] = [{"type": "body", "parameters": values}]
    return Composed("template", body, f"[{name}] " + " | ".join(parameters))


def envelope(payload: dict, *, wa_id: str, user_id: str, callback_data: str) -> dict:
    """The whole request body for one recipient: by number, or by BSUID when Meta gave us only that."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload,
            "biz_opaque_callback_data": callback_data}  # fmt: skip
    body.update({"to": wa_id} if wa_id else {"recipient": user_id})
    return body


def _header_footer(interactive: dict, header: str, footer: str) -> None:
    if header:
        interactive["header"] = {"type": "text", "text": fit(header, HEADER_MAX)}
    if footer:
        interactive["footer"] = {"text": fit(footer, FOOTER_MAX)}
