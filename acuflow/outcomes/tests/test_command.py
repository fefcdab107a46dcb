from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.models import InstrumentText


class LoadInstrumentTextCommandTests(AcuflowTestCase):
    def write(self, content: dict) -> Path:  # type: ignore[type-arg]
        path = Path(tempfile.mkdtemp()) / "msis29.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        return path

    def test_loads_the_text_for_the_clinic_as_its_owner(self) -> None:
        items = {
            f"q{i}": {"text": f"Item {i}", "options": ["1", "2", "3", "4", "5"]}
            for i in range(1, 30)
        }
        path = self.write({"title": "MSIS-29", "items": items})
        out = io.StringIO()
        call_command(
            "load_instrument_text",
            str(path),
            clinic="test-nl",
            instrument="msis29",
            language="en",
            stdout=out,
        )
        text = InstrumentText.objects.get()
        self.assertEqual(
            (text.clinic, text.loaded_by, text.content["items"]["q29"]["text"]),
            (self.clinic, self.owner, "Item 29"),
        )
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="outcomes.instrumenttext", user=self.owner
            ).exists()
        )

    def test_a_free_instrument_or_a_bad_file_is_refused(self) -> None:
        path = self.write({"items": {"usual": {"text": "x"}}})
        with self.assertRaises(CommandError):
            call_command(
                "load_instrument_text", str(path), clinic="test-nl", instrument="nrs", language="en"
            )
        with self.assertRaises(CommandError):
            call_command(
                "load_instrument_text",
                str(path),
                clinic="test-nl",
                instrument="msis29",
                language="en",
            )
        self.assertFalse(InstrumentText.objects.exists())
