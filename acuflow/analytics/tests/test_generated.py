"""`acuflow generate` data gives back the responder share the generator was built
with (acuflow/datagen/story.py), within the 95 % interval.

The story's "responder" class (RESPONDER_CLASSES: 50 % of courses) reaches its full
improvement, 50-85 % less pain, at session onset + 1 (session 5 on the chronic low back
pain acupuncture protocol, onset 3); "slow" responders (22 %) start improving only after
session 4 and "non" responders (28 %) change by at most 15 %. So at session 5 the
complete-case share of responders (>= 30 % and >= 2 points) is the generator's 50 %,
give or take noise that moves a score by one point now and then. Drop-outs (8 %) leave
before their last session whatever their class, which does not bias complete cases."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command

from acuflow.accounts.models import Membership
from acuflow.analytics import selectors
from acuflow.analytics.tests.factories import protocol
from acuflow.core.actor import Actor
from acuflow.core.testing import AcuflowTestCase
from acuflow.datagen import story

SHARE = dict(story.RESPONDER_CLASSES)["responder"]


class GeneratedDataTests(AcuflowTestCase):
    def test_it_finds_the_generators_responder_share_at_session_5(self) -> None:
        call_command(
            "generate",
            patients=700,
            seed=7,
            today=dt.date(2026, 6, 15),
            heavy_sessions=0,
            stdout=StringIO(),
            verbosity=0,
        )
        owner = Membership.objects.filter(clinic__slug__startswith="gen-", role="owner").first()
        assert owner is not None
        actor = Actor(user=owner.user, clinic=owner.clinic, role="owner")
        report = selectors.claims_report(
            actor=actor, filters=selectors.Filters(protocol_id=protocol().pk)
        )
        row = next(r for r in report["sessions"] if r["session"] == 5)
        complete = row["responders_30"]["complete"]
        self.assertGreaterEqual(complete["n"], 60, report["cohort"])
        self.assertLessEqual(complete["low"], SHARE, complete)
        self.assertGreaterEqual(complete["high"], SHARE, complete)
        # Slow responders catch up later: by the end more than half have responded.
        curve = report["time_to_response"]["curve"]
        self.assertGreater(curve[-1]["responded"], SHARE)
