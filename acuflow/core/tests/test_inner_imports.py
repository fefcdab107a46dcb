"""scripts/check_inner_imports.py: imports of acuflow modules inside functions need a reason."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import textwrap
from pathlib import Path
from types import ModuleType

from django.test import SimpleTestCase

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "check_inner_imports.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_inner_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class InnerImportLintTests(SimpleTestCase):
    def setUp(self) -> None:
        self.lint = load_script()
        self.root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.root)

    def write(self, relative: str, source: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    def problems(self) -> list[str]:
        return [
            line
            for path in self.lint.checked_files(self.root)
            for line in self.lint.problems(path, self.root)
        ]

    def test_it_finds_an_acuflow_import_inside_a_function(self) -> None:
        self.write(
            "acuflow/app/views.py",
            """
            import json
            from acuflow.core import errors

            def view():
                from acuflow.other.models import Thing
                import acuflow.third
                return Thing
            """,
        )
        found = self.problems()
        self.assertEqual(len(found), 2)
        self.assertIn("acuflow/app/views.py:6: acuflow.other.models", found[0])
        self.assertIn("acuflow/app/views.py:7: acuflow.third", found[1])

    def test_it_finds_relative_imports_and_imports_in_nested_scopes(self) -> None:
        self.write(
            "acuflow/app/services.py",
            """
            class Service:
                def run(self):
                    def inner():
                        from . import models
                    return inner
            """,
        )
        self.assertEqual(len(self.problems()), 1)

    def test_a_written_reason_third_party_imports_and_module_level_ones_pass(self) -> None:
        self.write(
            "acuflow/app/pdf.py",
            """
            from acuflow.core import errors

            def render():
                import weasyprint
                from acuflow.other import heavy  # inner-import: loads fonts; PDF only
                from acuflow.other import (  # inner-import: same reason, two lines
                    a,
                    b,
                )
                return weasyprint, heavy, a, b
            """,
        )
        self.assertEqual(self.problems(), [])

    def test_an_empty_reason_does_not_count(self) -> None:
        self.write(
            "acuflow/app/views.py",
            """
            def view():
                from acuflow.other import models  # inner-import:
            """,
        )
        self.assertEqual(len(self.problems()), 1)

    def test_migrations_management_commands_and_tests_are_not_checked(self) -> None:
        body = "def f():\n    from acuflow.other import models\n"
        self.write("acuflow/app/migrations/0002_data.py", body)
        self.write("acuflow/app/management/commands/load.py", body)
        self.write("acuflow/app/tests/test_x.py", body)
        self.write("acuflow/app/test_y.py", body)
        self.assertEqual(self.problems(), [])
        self.write("acuflow/app/management/helpers.py", body)
        self.assertEqual(len(self.problems()), 1)

    def test_it_finds_is_installed_guards_for_acuflow_apps(self) -> None:
        self.write(
            "acuflow/app/views.py",
            """
            from django.apps import apps

            if apps.is_installed("acuflow.other"):
                pass

            def view():
                return apps.is_installed("django.contrib.admin")
            """,
        )
        found = self.problems()
        self.assertEqual(len(found), 1)
        self.assertIn("acuflow/app/views.py:4: is_installed('acuflow.other')", found[0])

    def test_main_fails_on_a_problem(self) -> None:
        self.write("acuflow/app/views.py", "def f():\n    import acuflow.other\n")
        self.assertEqual(self.lint.main(self.root), 1)
        self.write("acuflow/app/views.py", "import acuflow.other\n")
        self.assertEqual(self.lint.main(self.root), 0)
