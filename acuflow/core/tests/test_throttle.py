"""The one throttle counts in the shared cache: two processes (two cache clients of the
same store) share one limit, and a race for a ticket cannot count two attempts as one."""

from __future__ import annotations

import datetime as dt
import os
import unittest
from unittest import mock

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from acuflow.core import throttle

RATE = throttle.Rate("test", 3, dt.timedelta(minutes=10))


def process() -> BaseCache:
    """A new client of the default cache, as a second worker process would have."""
    return caches.create_connection("default")


class SharedStoreTests(TestCase):
    def test_the_default_store_is_the_database_table(self) -> None:
        self.assertEqual(
            settings.CACHES["default"]["BACKEND"], "django.core.cache.backends.db.DatabaseCache"
        )

    def test_two_processes_share_one_limit(self) -> None:
        first, second = process(), process()
        self.assertIsNot(first, second)
        answers = [
            throttle.attempt(RATE, "192.0.2.1", store=store).allowed
            for store in (first, second, first, second, first)
        ]
        self.assertEqual(answers, [True, True, True, False, False])

    def test_subjects_and_scopes_are_counted_apart(self) -> None:
        for _ in range(RATE.limit):
            throttle.attempt(RATE, "192.0.2.1")
        self.assertFalse(throttle.attempt(RATE, "192.0.2.1").allowed)
        self.assertTrue(throttle.attempt(RATE, "192.0.2.2").allowed)
        other_scope = throttle.Rate("other", RATE.limit, RATE.window)
        self.assertTrue(throttle.attempt(other_scope, "192.0.2.1").allowed)

    def test_a_process_that_looked_before_another_took_a_ticket_takes_the_next(self) -> None:
        first, second = process(), process()
        for _ in range(RATE.limit - 1):
            self.assertTrue(throttle.attempt(RATE, "192.0.2.1", store=first).allowed)
        # The second process read the counts before the first took its tickets.
        with mock.patch.object(second, "get_many", return_value={}):
            self.assertTrue(throttle.attempt(RATE, "192.0.2.1", store=second).allowed)
            self.assertFalse(throttle.attempt(RATE, "192.0.2.1", store=second).allowed)
        self.assertFalse(throttle.attempt(RATE, "192.0.2.1", store=first).allowed)

    def test_the_store_keeps_no_address_in_the_clear(self) -> None:
        throttle.attempt(RATE, "owner@nl.example")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {settings.CACHE_TABLE}")
            keys = [row[0] for row in cursor.fetchall()]
        self.assertEqual(len(keys), 1)
        self.assertNotIn("owner", keys[0])

    def test_no_subject_is_not_counted(self) -> None:
        for _ in range(RATE.limit + 2):
            self.assertTrue(throttle.attempt(RATE, None).allowed)

    def test_an_attempt_given_back_no_longer_counts(self) -> None:
        for _ in range(RATE.limit - 1):
            throttle.attempt(RATE, "192.0.2.1")
        last = throttle.attempt(RATE, "192.0.2.1")
        self.assertFalse(throttle.attempt(RATE, "192.0.2.1").allowed)
        throttle.give_back(last)
        self.assertTrue(throttle.attempt(RATE, "192.0.2.1").allowed)


class SlidingWindowTests(TestCase):
    def at(self, moment: dt.datetime, subject: str = "192.0.2.1") -> bool:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            return throttle.attempt(RATE, subject).allowed

    def test_attempts_of_the_last_window_still_count_then_expire(self) -> None:
        seconds = RATE.window.total_seconds()
        # The start of a fixed window, so the test does not depend on today's clock.
        start = dt.datetime.fromtimestamp(
            (timezone.now().timestamp() // seconds + 1) * seconds, tz=dt.UTC
        )
        for _ in range(RATE.limit):
            self.assertTrue(self.at(start))
        self.assertFalse(self.at(start + RATE.window / 2))  # this window is full
        self.assertTrue(self.at(start + RATE.window * 1.8))  # 3 x 0.2 + 1 <= 3
        self.assertTrue(self.at(start + RATE.window * 3))  # long gone

    def test_a_burst_across_the_window_edge_is_still_limited(self) -> None:
        seconds = RATE.window.total_seconds()
        edge = dt.datetime.fromtimestamp(
            (timezone.now().timestamp() // seconds + 1) * seconds, tz=dt.UTC
        )
        just_before = edge - dt.timedelta(seconds=1)
        answers = [self.at(just_before) for _ in range(RATE.limit)]
        answers += [self.at(edge + dt.timedelta(seconds=1)) for _ in range(RATE.limit)]
        self.assertEqual(answers.count(True), RATE.limit)


@unittest.skipUnless(os.environ.get("REDIS_URL"), "REDIS_URL names no Redis server to test")
class RedisStoreTests(TestCase):
    def test_two_redis_clients_share_one_limit(self) -> None:
        first = RedisCache(os.environ["REDIS_URL"], {})
        second = RedisCache(os.environ["REDIS_URL"], {})
        subject = f"192.0.2.{timezone.now().microsecond % 250}"
        answers = [
            throttle.attempt(RATE, subject, store=store).allowed
            for store in (first, second, first, second)
        ]
        self.assertEqual(answers, [True, True, True, False])
