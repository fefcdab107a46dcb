"""The load: staff working in one clinic of the generated network.

Every request is named after the action it stands for; /healthz runs in the same mix
as the floor (the cheapest thing the server can answer). Reads through the API use the
bearer token, pages use a staff session cookie made by targets.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bodies import walk_in_session  # noqa: E402

T = json.loads(open(os.environ["BENCH_TARGETS"], encoding="utf-8").read())
ZONE = ZoneInfo(T["timezone"])
API = {"Authorization": f"Bearer {T['token']}"}
PAGE = {"Cookie": f"sessionid={T['session']}"}
THINK = float(os.environ.get("BENCH_THINK", "1.0"))


def weekday_ahead(days: int) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


class Staff(FastHttpUser):
    wait_time = between(THINK * 0.5, THINK * 1.5)

    def _get(self, path: str, name: str, headers: dict) -> None:
        # No redirects followed: a session that stopped working must show up as failed
        # requests (302 to the sign-in page), not as fast sign-in pages.
        with self.client.get(
            path, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    @task(3)
    def healthz(self) -> None:
        self._get("/healthz", "healthz (floor)", {})

    @task(4)
    def patient_search(self) -> None:
        q = random.choice(T["search"])
        self._get(f"/api/v1/patients?q={q}&limit=20", "patient search", API)

    @task(2)
    def patient_chart(self) -> None:
        if "chart_patient" in T:
            self._get(f"/patients/{T['chart_patient']}/", "patient chart (1,000 sessions)", PAGE)

    @task(2)
    def calendar_day(self) -> None:
        who = random.choice(T["practitioners"])
        day = weekday_ahead(random.randint(-20, 20))
        self._get(f"/calendar/?view=day&practitioner={who}&date={day}", "calendar day", PAGE)

    @task(2)
    def calendar_week(self) -> None:
        who = random.choice(T["practitioners"])
        day = weekday_ahead(random.randint(-20, 20))
        self._get(f"/calendar/?view=week&practitioner={who}&date={day}", "calendar week", PAGE)

    @task(2)
    def course_status(self) -> None:
        if T.get("courses"):
            self._get(f"/api/v1/courses/{random.choice(T['courses'])}", "course status", API)

    @task(2)
    def outcome_chart(self) -> None:
        if T.get("courses"):
            course = random.choice(T["courses"])
            self._get(f"/outcomes/courses/{course}/", "outcome chart", PAGE)

    @task(1)
    def our_results_page(self) -> None:
        if T.get("analytics_protocol"):
            protocol = T["analytics_protocol"]
            self._get(f"/analytics/?protocol={protocol}", "our results page", PAGE)

    @task(1)
    def our_results_api(self) -> None:
        if T.get("analytics_protocol"):
            protocol = T["analytics_protocol"]
            self._get(f"/api/v1/analytics/claims?protocol={protocol}", "our results API", API)

    @task(1)
    def charting_save(self) -> None:
        if not T.get("chart_courses"):
            return
        course = random.choice(T["chart_courses"])
        body = walk_in_session(None, ZONE)
        with self.client.post(
            f"/api/v1/courses/{course}/sessions",
            json=body,
            headers=API,
            name="charting save",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {r.text[:200]}")

    @task(2)
    def availability_and_booking(self) -> None:
        who = random.choice(T["practitioners"])
        day = weekday_ahead(random.randint(1, 60))
        slots: list = []
        with self.client.get(
            f"/api/v1/availability?practitioner={who}&type=follow_up&from={day}&to={day}",
            headers=API,
            allow_redirects=False,
            name="availability",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return
            slots = r.json()
        if not slots:
            return
        body = {
            "patient": random.choice(T["patients"]),
            "practitioner": who,
            "start": random.choice(slots)["start"],
            "type": "follow_up",
        }
        with self.client.post(
            "/api/v1/appointments", json=body, headers=API, name="booking", catch_response=True
        ) as r:
            # Another user may take the slot between availability and booking: a 409 is
            # the correct answer then, not a failure of the server.
            if r.status_code in (201, 409):
                r.success()  # FastHttpUser counts any 4xx as failed unless told
            else:
                r.failure(f"{r.status_code} {r.text[:200]}")
