"""`make run` in miniature: migrate a fresh embedded database, load the demo, serve
with the production server, and sign in as the demo owner in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from acuflow.core.testing import launch_chromium

ACUFLOW = str(Path(sys.executable).parent / "acuflow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.browser
class QuickStartBrowserTests(SimpleTestCase):
    def test_the_demo_owner_signs_in_on_the_production_server(self) -> None:
        from playwright.sync_api import sync_playwright

        var = tempfile.mkdtemp(prefix="acuflow-quickstart-")
        port = free_port()
        env = {
            **os.environ,
            "ACUFLOW_VAR_DIR": var,
            "DATABASE_URL": f"sqlite:///{var}/acuflow.sqlite3",
            "PORT": str(port),
            "DEBUG": "false",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        for args in (
            ["migrate", "--noinput", "-v", "0"],
            ["demo", "--if-empty"],
            ["collectstatic", "--noinput", "-v", "0"],
        ):
            subprocess.run([ACUFLOW, *args], env=env, check=True, capture_output=True, timeout=300)
        server = subprocess.Popen(
            [ACUFLOW, "serve", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                page = browser.new_page(locale="nl-NL")
                page.goto(f"{base}/")
                page.fill("input[name=email]", "owner@nl.example")
                page.fill("input[name=password]", "acuflow-demo")
                page.locator("form button[type=submit]").click()
                page.wait_for_url(f"{base}/")
                assert "Eva de Vries" in page.content()
                page.goto(f"{base}/patients/")
                assert page.locator("#patient-rows tr").count() >= 25
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
            shutil.rmtree(var, ignore_errors=True)
