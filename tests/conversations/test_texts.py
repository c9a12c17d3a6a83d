"""Every text the bot sends has a Hindi translation, and the engine sends no text from anywhere else."""

import re
from pathlib import Path

from django.utils import translation
from django.utils.functional import Promise

from apps.conversations.engine import texts

ENGINE = Path(texts.__file__).parent
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def _all_texts() -> list[tuple[str, Promise]]:
    found = []
    for name, value in vars(texts).items():
        if isinstance(value, Promise):
            found.append((name, value))
        elif isinstance(value, dict):
            found += [(f"{name}[{key}]", text) for key, text in value.items() if isinstance(text, Promise)]
    return found


def test_every_bot_text_is_translated_into_hindi():
    assert len(_all_texts()) > 60
    untranslated = []
    for name, text in _all_texts():
        with translation.override("en"):
            english = str(text)
        with translation.override("hi"):
            hindi = str(text)
        if hindi == english or not DEVANAGARI.search(hindi):
            untranslated.append(name)
        # The same placeholders, or the Hindi text would fail when it is filled in.
        assert sorted(re.findall(r"%\(\w+\)s", hindi)) == sorted(re.findall(r"%\(\w+\)s", english)), name
    assert untranslated == []


def test_the_engine_writes_its_texts_only_in_texts_py():
    for path in ENGINE.glob("*.py"):
        if path.name == "texts.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\bgettext|\b_\(\s*[\"']", source), f"{path.name} has its own texts; put them in texts.py"
