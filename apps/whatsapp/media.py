"""What a file is, from its own bytes: the type a citizen's phone or Meta declares is not trusted."""

# Magic numbers of what citizens send: the declared type is not trusted.
SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"OggS", "audio/ogg", "ogg"),
    (b"ID3", "audio/mpeg", "mp3"),
    (b"#!AMR", "audio/amr", "amr"),
]


def sniff(content: bytes) -> tuple[str, str]:
    """(mime type, extension) from the bytes themselves; ("application/octet-stream", "bin") if unknown."""
    for magic, mime, extension in SIGNATURES:
        if content.startswith(magic):
            return mime, extension
    if content[4:8] == b"ftyp":
        return ("audio/mp4", "m4a") if content[8:11] == b"M4A" else ("video/mp4", "mp4")
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    return "application/octet-stream", "bin"
