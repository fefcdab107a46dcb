"""The docs the code points to are in the repository, and what they point to exists."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
# Files that still cite the old notes outside the repository, in apps being reworked on
# another branch; each entry goes when its file cites docs/clinical-sources.md.
PENDING: set[str] = set()


def citing_old_notes() -> set[str]:
    found = set()
    for path in (ROOT / "acuflow").rglob("*"):
        if path.suffix in {".py", ".json", ".md", ".html", ".csv"} and "tests" not in path.parts:
            if "domain.md" in path.read_text(errors="ignore"):
                found.add(path.relative_to(ROOT).as_posix())
    return found


class DocsTests(SimpleTestCase):
    def test_code_and_data_cite_the_sources_in_the_repository(self) -> None:
        found = citing_old_notes()
        self.assertEqual(sorted(found - PENDING), [], "cite docs/clinical-sources.md")
        self.assertEqual(sorted(PENDING - found), [], "fixed there: remove from PENDING")

    def test_the_numbered_sources_keep_their_numbers(self) -> None:
        text = (DOCS / "clinical-sources.md").read_text()
        section = text.split("## What the clinics do", 1)[1].split("\n## ", 1)[0]
        numbers = [int(n) for n in re.findall(r"^(\d+)\. ", section, flags=re.M)]
        self.assertEqual(numbers, [1, 2, 3, 4, 5])
        self.assertIn("improvement usually starts from the 3rd", section)  # source 4

    def test_the_files_the_architecture_names_exist(self) -> None:
        text = (DOCS / "architecture.md").read_text()
        paths = set(re.findall(r"`((?:acuflow|docs|scripts)/[\w./-]+\.(?:py|json|md))`", text))
        self.assertGreater(len(paths), 10)
        missing = sorted(p for p in paths if not (ROOT / p).exists())
        self.assertEqual(missing, [])
