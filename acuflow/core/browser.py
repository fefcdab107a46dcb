"""Base class for browser tests: the real pages, served by a live server, driven in
Debian's headless Chromium through Playwright (no browser download)."""

from __future__ import annotations

import os
import threading
from typing import Any

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import cache

from acuflow.core.testing import PASSWORD, AcuflowTestCase, launch_chromium

# Playwright's sync API runs an event loop in this thread; Django must allow DB access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class BrowserTestCase(StaticLiveServerTestCase):
    """Personas as in AcuflowTestCase (created per test: live server tests use TransactionTestCase)."""

    playwright: Any
    _pw_cm: Any
    browser: Any

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        from playwright.sync_api import (  # inner-import: only browser test runs need it
            sync_playwright,
        )

        cls._pw_cm = sync_playwright()
        cls.playwright = cls._pw_cm.start()
        cls.browser = launch_chromium(cls.playwright)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    # Console errors a test provokes on purpose (a request failing while offline, say):
    # substrings of the message. Anything else fails the test.
    expected_console_errors: tuple[str, ...] = ()

    def setUp(self) -> None:
        AcuflowTestCase.setUpTestData.__func__(self)  # type: ignore[attr-defined]
        self.context = self.browser.new_context(locale="en-GB")
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        # Every page runs under the Content-Security-Policy: a violation, a script error
        # or any other console error fails the test.
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def new_page(self) -> Any:
        """Another page of the test's context, watched like the first."""
        page = self.context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))
        return page

    def tearDown(self) -> None:
        self.context.close()
        unexpected = [
            e
            for e in self.console_errors
            if not any(expected in e for expected in self.expected_console_errors)
        ]
        # A request the page started last (an autosaved draft, say) may still be running
        # in the live server; the database flush after the test must not race it.
        # (The live server's request threads are daemons it does not keep track of; they
        # are named after socketserver's process_request_thread.)
        for thread in threading.enumerate():
            if "process_request_thread" in thread.name:
                thread.join(timeout=10)
        # The throttle counts in the cache table, which the flush does not empty.
        cache.clear()
        if unexpected:
            self.fail("console errors (CSP violations included):\n" + "\n".join(unexpected))

    def login(self, email: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto(f"{self.live_server_url}/login/")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
