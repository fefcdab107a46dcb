"""Email backend for the worker crash test: appends each recipient to a file, and
hangs (before delivering) on message number ACUFLOW_TEST_HANG_ON so the test can kill
the worker in the middle of a send."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class FileBackend(BaseEmailBackend):
    def send_messages(self, messages: Any) -> int:
        box = Path(os.environ["ACUFLOW_TEST_MAILBOX"])
        for message in messages:
            counter = box.with_suffix(".count")
            n = int(counter.read_text()) + 1 if counter.exists() else 1
            counter.write_text(str(n))
            if str(n) == os.environ.get("ACUFLOW_TEST_HANG_ON"):
                box.with_suffix(".hanging").write_text("1")
                time.sleep(120)
            with box.open("a") as out:
                out.write(message.to[0] + "\n")
        return len(messages)
