"""Headers on every response, the client address behind trusted proxies only, and the
var/ files readable by their owner alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import RequestFactory, override_settings
from django.urls import reverse

from acuflow.audit.models import AuditEvent
from acuflow.core.security import client_address
from acuflow.core.testing import AcuflowTestCase


def _settings_value(expression: str, **env: str) -> str:
    """Evaluate `expression` on a freshly imported settings module with `env`."""
    code = f"import acuflow.settings as s; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return (result.stdout or result.stderr).strip()


class HeaderTests(AcuflowTestCase):
    def test_pages_have_a_strict_csp_without_inline_script(self) -> None:
        response = self.client_for(self.practitioner).get(reverse("patients:list"))
        csp = response["Content-Security-Policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        self.assertEqual(script_src.split(), ["script-src", "'self'"])  # a nonce when used
        self.assertNotIn("unsafe-inline", script_src)
        self.assertNotIn("unsafe-eval", script_src)
        self.assertIn("object-src 'none'", csp)
        self.assertIn("frame-ancestors 'none'", csp)

    def test_no_template_has_inline_script_or_handlers(self) -> None:
        root = Path(__file__).resolve().parents[2]
        offenders = []
        for template in root.rglob("templates/**/*.html"):
            text = template.read_text()
            for line in text.splitlines():
                if ("<script" in line and "src=" not in line) or " onclick=" in line:
                    offenders.append(f"{template}: {line.strip()[:80]}")
        self.assertEqual(offenders, [])

    def test_staff_pages_and_api_answers_are_not_stored(self) -> None:
        page = self.client_for(self.practitioner).get(
            reverse("patients:detail", args=[self.patient.pk])
        )
        self.assertEqual(page["Cache-Control"], "no-store")
        api = self.api(self.practitioner, "GET", f"/api/v1/patients/{self.patient.pk}")
        self.assertEqual(api["Cache-Control"], "no-store")
        refused = self.client.get("/api/v1/patients")
        self.assertEqual(refused["Cache-Control"], "no-store")

    def test_referrer_and_permissions_policies_are_sent(self) -> None:
        response = self.client.get(reverse("accounts:login"))
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertIn("camera=()", response["Permissions-Policy"])
        self.assertIn("geolocation=()", response["Permissions-Policy"])

    def test_hsts_follows_secure_cookies(self) -> None:
        self.assertEqual(
            _settings_value("s.SECURE_HSTS_SECONDS", SECURE_COOKIES="true"), "31536000"
        )
        self.assertEqual(_settings_value("s.SECURE_HSTS_SECONDS", SECURE_COOKIES="false"), "0")

    def test_proxy_settings_are_parsed_strictly(self) -> None:
        self.assertEqual(
            _settings_value(
                "s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
            ),
            "('HTTP_X_FORWARDED_PROTO', 'https')",
        )
        self.assertEqual(
            _settings_value("s.TRUSTED_PROXIES", TRUSTED_PROXIES="10.0.0.1, 192.168.0.0/24"),
            "['10.0.0.1', '192.168.0.0/24']",
        )
        self.assertIn("TRUSTED_PROXIES", _settings_value("1", TRUSTED_PROXIES="proxy.local"))


class VarFileTests(AcuflowTestCase):
    def test_the_secret_key_and_the_sqlite_file_are_created_0600(self) -> None:
        with tempfile.TemporaryDirectory() as var:
            env = {"ACUFLOW_VAR_DIR": var, "SECRET_KEY": "", "DATABASE_URL": ""}
            self.assertEqual(_settings_value("1", **env), "1")
            for name in ("secret_key", "acuflow.sqlite3"):
                mode = stat.S_IMODE((Path(var) / name).stat().st_mode)
                self.assertEqual(oct(mode), oct(0o600), name)


class ClientAddressTests(AcuflowTestCase):
    def request(self, remote: str, forwarded: str) -> object:
        return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    def test_without_trusted_proxies_the_header_is_ignored(self) -> None:
        self.assertEqual(client_address(self.request("203.0.113.9", "198.51.100.1")), "203.0.113.9")  # type: ignore[arg-type]

    @override_settings(TRUSTED_PROXIES=["10.0.0.1", "10.1.0.0/16"])
    def test_through_trusted_proxies_the_nearest_untrusted_hop_is_the_client(self) -> None:
        # The client wrote 6.6.6.6 into the header itself; the proxies appended the rest.
        request = self.request("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3")
        self.assertEqual(client_address(request), "198.51.100.7")  # type: ignore[arg-type]

    @override_settings(TRUSTED_PROXIES=["10.0.0.1"])
    def test_an_untrusted_sender_cannot_claim_an_address(self) -> None:
        request = self.request("203.0.113.9", "198.51.100.7")
        self.assertEqual(client_address(request), "203.0.113.9")  # type: ignore[arg-type]

    @override_settings(TRUSTED_PROXIES=["10.0.0.1"])
    def test_the_audit_row_records_the_client_behind_the_proxy(self) -> None:
        self.client.get(
            f"/api/v1/patients/{self.patient.pk}",
            HTTP_AUTHORIZATION=f"Bearer {self.token_for(self.practitioner)}",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
        self.assertEqual(
            AuditEvent.objects.get(patient=self.patient).client_address, "198.51.100.7"
        )
