from __future__ import annotations

import os
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from acuflow import settings


class SettingsParsingTests(SimpleTestCase):
    def test_envbool_is_strict(self) -> None:
        with mock.patch.dict(os.environ, {"X_FLAG": "yes"}):
            self.assertTrue(settings.envbool("X_FLAG", "false"))
        with mock.patch.dict(os.environ, {"X_FLAG": "maybe"}):
            with self.assertRaises(ImproperlyConfigured):
                settings.envbool("X_FLAG", "false")

    def test_envint_rejects_words(self) -> None:
        with mock.patch.dict(os.environ, {"X_NUM": "ten"}):
            with self.assertRaises(ImproperlyConfigured):
                settings.envint("X_NUM", "1")

    def test_email_url(self) -> None:
        conf = settings._email_settings("smtp://u%40x:p@mail.example:587?tls=1")
        self.assertEqual(conf["EMAIL_HOST"], "mail.example")
        self.assertEqual(conf["EMAIL_PORT"], 587)
        self.assertEqual(conf["EMAIL_HOST_USER"], "u@x")
        self.assertTrue(conf["EMAIL_USE_TLS"])
        with self.assertRaises(ImproperlyConfigured):
            settings._email_settings("carrier-pigeon://x")
