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

    def test_session_idle_minutes_must_be_a_positive_whole_number(self) -> None:
        for bad in ("0", "-5", "half an hour", "30.5"):
            with mock.patch.dict(os.environ, {"SESSION_IDLE_MINUTES": bad}):
                with self.assertRaises(ImproperlyConfigured):
                    settings.envpositive("SESSION_IDLE_MINUTES", "30")
        with mock.patch.dict(os.environ, {"SESSION_IDLE_MINUTES": "45"}):
            self.assertEqual(settings.envpositive("SESSION_IDLE_MINUTES", "30"), 45)

    def test_cache_url_names_a_shared_store(self) -> None:
        for url in ("", "db://"):
            conf = settings._cache_settings(url)
            self.assertEqual(conf["BACKEND"], "django.core.cache.backends.db.DatabaseCache")
        for url in ("locmem://", "memcached://127.0.0.1", "db://elsewhere"):
            with self.assertRaises(ImproperlyConfigured):
                settings._cache_settings(url)
        with mock.patch("importlib.util.find_spec", return_value=object()):
            conf = settings._cache_settings("redis://127.0.0.1:6379/1")
        self.assertEqual(conf["BACKEND"], "django.core.cache.backends.redis.RedisCache")
        self.assertEqual(conf["LOCATION"], "redis://127.0.0.1:6379/1")
        with mock.patch("importlib.util.find_spec", return_value=None):
            with self.assertRaises(ImproperlyConfigured):
                settings._cache_settings("redis://127.0.0.1:6379/1")

    def test_email_url(self) -> None:
        conf = settings._email_settings("smtp://u%40x:p@mail.example:587?tls=1")
        self.assertEqual(conf["BACKEND"], "django.core.mail.backends.smtp.EmailBackend")
        options = conf["OPTIONS"]
        assert isinstance(options, dict)
        self.assertEqual(options["host"], "mail.example")
        self.assertEqual(options["port"], 587)
        self.assertEqual((options["username"], options["password"]), ("u@x", "p"))
        self.assertTrue(options["use_tls"])
        self.assertFalse(options["use_ssl"])
        self.assertEqual(settings._email_settings("console://")["OPTIONS"], {})
        # The options are what Django's SMTP backend takes (no connection is opened).
        from django.core.mail.backends.smtp import EmailBackend

        backend = EmailBackend(alias="default", **options)
        self.assertEqual(
            (backend.host, backend.port, backend.username), ("mail.example", 587, "u@x")
        )
        with self.assertRaises(ImproperlyConfigured):
            settings._email_settings("carrier-pigeon://x")
