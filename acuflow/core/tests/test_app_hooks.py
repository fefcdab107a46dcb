"""Apps name their signal receivers and post-migrate work in their AppConfig
(core.registry.connect_app_hooks) instead of importing their own services in ready()."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_migrate, post_save
from django.test import SimpleTestCase
from django.utils.module_loading import import_string

from acuflow.accounts.models import User


class AppHookTests(SimpleTestCase):
    def test_every_after_migrate_is_connected_for_its_own_app_only(self) -> None:
        named = [c for c in apps.get_app_configs() if getattr(c, "after_migrate", None)]
        self.assertEqual({c.label for c in named}, {"info", "protocols"})
        for config in named:
            with self.subTest(app=config.label):
                hook = import_string(config.after_migrate)
                receivers = post_migrate._live_receivers(config)[0]
                self.assertIn(hook, receivers)
                other = apps.get_app_config("patients")
                self.assertNotIn(hook, post_migrate._live_receivers(other)[0])

    def test_the_receivers_module_is_connected(self) -> None:
        revoke = import_string("acuflow.accounts.signals._revoke_tokens_on_password_change")
        self.assertIn(revoke, post_save._live_receivers(User)[0])
