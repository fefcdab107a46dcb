"""Run axe-core (installed from npm by `make install-dev`) in a Playwright page and fail
on serious or critical WCAG 2.2 AA violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def load_axe(page: Any) -> None:
    """Evaluated through the browser's debugging protocol, not as a <script> element:
    the page's Content-Security-Policy (no inline script) stays on and is tested."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `npm ci` (make install-dev does)")
    if not page.evaluate(AXE_JS.read_text() + "\n;window.axe !== undefined"):
        raise AssertionError("axe-core did not load")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    load_axe(page)
    result = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} -> {targets}")
    return "\n".join(lines)


def assert_accessible(testcase: Any, page: Any) -> None:
    violations = axe_violations(page)
    testcase.assertEqual(violations, [], f"{page.url}\n{describe(violations)}")
