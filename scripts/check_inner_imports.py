"""Fail on an import inside a function that has no written reason, and on an
`apps.is_installed("acuflow...")` guard.

An acuflow module imported inside a function usually hides a cycle between apps that
the layers forbid (see docs/architecture.md). Imports belong at the top of the module.
Every acuflow app is part of the product, so none is asked whether it is installed.
Where a lazy import is right (a heavy library only one path needs, a module that must
not load before Django's apps are ready), say why on its line:

    import weasyprint  # inner-import: loads fonts and cairo; only PDF requests need it

Migrations, management commands and tests are not checked. Run: make test
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "acuflow"
SKIPPED_DIRS = {"migrations", "tests", "commands"}
REASON = re.compile(r"#\s*inner-import:\s*\S")


def checked_files(root: Path) -> Iterator[Path]:
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = set(path.relative_to(root).parts[:-1])
        if parts & SKIPPED_DIRS or path.name.startswith("test_"):
            continue
        yield path


def imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: always inside the package
        return [f"{PACKAGE}.(relative)"]
    return [node.module or ""]


def inner_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports whose enclosing scope is a function (at any depth)."""

    def visit(node: ast.AST, in_function: bool) -> Iterator[ast.Import | ast.ImportFrom]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                yield child
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from visit(child, inner)

    yield from visit(tree, False)


def installed_guards(tree: ast.AST) -> Iterator[ast.Call]:
    """Calls of `<anything>.is_installed("acuflow...")`."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "is_installed"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith(PACKAGE + ".")
        ):
            yield node


def problems(path: Path, root: Path = ROOT) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    found = [
        f"{path.relative_to(root)}:{call.lineno}: is_installed({call.args[0].value!r}) "  # type: ignore[attr-defined]
        "guard; every acuflow app is part of the product"
        for call in installed_guards(tree)
    ]
    for node in inner_imports(tree):
        names = [n for n in imported_names(node) if n == PACKAGE or n.startswith(PACKAGE + ".")]
        if not names:
            continue
        statement = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
        if any(REASON.search(line) for line in statement):
            continue
        found.append(
            f"{path.relative_to(root)}:{node.lineno}: {', '.join(names)} imported inside a "
            "function; move it to the top of the module, or give the reason on its line "
            "(# inner-import: <reason>)"
        )
    return found


def main(root: Path = ROOT) -> int:
    found = [line for path in checked_files(root) for line in problems(path, root)]
    for line in found:
        print(line)
    print(f"inner imports and is_installed guards: {len(found)} found")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
