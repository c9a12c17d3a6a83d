"""Understand citizen messages from stdin, one per line, and print one JSON object per line.

    echo "mujhe janm praman patra chahiye" | python manage.py understand
    {"intent": "apply", "service": "MCD-BIRTH", "reference": null, "language": "hi"}

The catalogue index is built once for the whole run. `--llm` asks the OpenAI-compatible model (when
OPENAI_API_KEY is set) about the messages the offline understander is unsure of; `--llm-always` about all.
"""

import json
import sys

from django.core.management.base import BaseCommand

from apps.conversations.understanding import catalogue_index, understand


class Command(BaseCommand):
    help = "Read one citizen message per line on stdin; write one JSON understanding per line."
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument("--llm", action="store_true", help="Ask the model about messages we are unsure of.")
        parser.add_argument("--llm-always", action="store_true", help="Ask the model about every message.")
        parser.add_argument("--verbose-json", action="store_true", help="Print every field, not only the four.")

    def handle(self, *args, **options):
        index = catalogue_index()
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            result = understand(
                line.rstrip("\r\n"), index=index, use_llm=options["llm"], llm_always=options["llm_always"]
            )
            data = result.as_dict() if options["verbose_json"] else result.as_json()
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            self.stdout.flush()
