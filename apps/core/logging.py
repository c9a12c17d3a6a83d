"""Logging filters (imported by LOGGING before the apps load, so nothing here may import a model)."""

import logging
import os


class DropHeyooLogs(logging.Filter):
    """heyoo logs requests and responses (citizens' numbers among them) on the root logger; drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f"{os.sep}heyoo{os.sep}" not in record.pathname
