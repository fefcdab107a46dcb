"""Load the people of an acuflow bench database into a GNU Health 5 database.

Runs in GNU Health's own virtualenv (not acuflow's), with trytond's Python API:

    /work/peer-venv/bin/python bench/peer/load_gnuhealth.py \
        --config trytond.conf --database peer_gnuhealth \
        --people people.json --sessions sessions.json --out gh_targets.json

people.json is what `driver.py export` wrote from the acuflow database (the same given and
family names, birth dates and sexes, in the same order); sessions.json holds the 1,000
sessions of acuflow's long-term patient, which become that patient's evaluations
(encounters) here, with the same start times and the same text. The database must already
have the `health` module activated (trytond-admin -u health --activate-dependencies).

The loader makes one institution (party, health institution and company), signs the
`admin` user in to it and makes them a health professional (GNU Health refuses an
evaluation without one), then batch-creates the parties and patients. GNU Health's own
`party.party.create` calls the ORM's create with the whole list once per value in it (a
batch of N would write N x N rows), so the parties are written through the next create in
the class chain with the fields its override would have set (PUID, federation account,
code, official person name)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
import uuid
from pathlib import Path
from typing import Any

BATCH = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--people", required=True)
    parser.add_argument("--sessions", required=True)
    parser.add_argument(
        "--other-sessions", help="every other patient's sessions (rows of patient, start, texts)"
    )
    parser.add_argument("--out", required=True)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from trytond.config import config

    config.update_etc(args.config)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(args.database)
    pool.init()
    people: list[dict[str, Any]] = json.loads(Path(args.people).read_text())
    sessions: list[dict[str, Any]] = json.loads(Path(args.sessions).read_text())
    started = time.monotonic()
    others = json.loads(Path(args.other_sessions).read_text()) if args.other_sessions else []
    with Transaction().start(args.database, 0, context={}) as transaction:
        out = load(pool, transaction, people, sessions)
        out["other_evaluations"] = load_others(transaction, out, others)
        transaction.commit()
    out["load_seconds"] = round(time.monotonic() - started, 1)
    Path(args.out).write_text(json.dumps(out))
    print(
        f"loaded {len(people):,} patients and {len(sessions):,} evaluations "
        f"in {out['load_seconds']} s"
    )


def load(pool: Any, transaction: Any, people: list[dict], sessions: list[dict]) -> dict:
    from trytond.modules.health.health import Party as HealthParty

    Party = pool.get("party.party")
    Patient = pool.get("gnuhealth.patient")
    Institution = pool.get("gnuhealth.institution")
    Professional = pool.get("gnuhealth.healthprofessional")
    Company = pool.get("company.company")
    Currency = pool.get("currency.currency")
    User = pool.get("res.user")
    Evaluation = pool.get("gnuhealth.patient.evaluation")

    if Patient.search([], limit=1):
        raise SystemExit("this database already holds patients: load into a fresh one")
    (admin,) = User.search([("login", "=", "admin")])
    currencies = Currency.search([("code", "=", "EUR")])
    eur = (
        currencies[0]
        if currencies
        else Currency.create([{"name": "Euro", "code": "EUR", "symbol": "€"}])[0]
    )
    (place,) = Party.create([{"name": "Bench Clinic", "is_institution": True, "is_person": False}])
    (institution,) = Institution.create(
        [
            {
                "party": place.id,
                "code": "BENCH",
                "institution_type": "clinic",
                "public_level": "private",
            }
        ]
    )
    (company,) = Company.create([{"party": place.id, "currency": eur.id}])
    User.write([admin], {"companies": [("add", [company.id])], "company": company.id})
    (prof_party,) = Party.create(
        [
            {
                "name": "Anna",
                "lastname": "Bakker",
                "is_person": True,
                "is_healthprof": True,
                "gender": "f",
                "ref": "BENCH-HP-1",
                "federation_account": "XXXBENCHHP1",
                "internal_user": admin.id,
            }
        ]
    )
    (prof,) = Professional.create([{"party": prof_party.id, "institution": institution.id}])

    create_parties = super(HealthParty, Party).create  # see the module docstring
    sex = {"female": "f", "male": "m"}
    ids: dict[str, int] = {}
    with transaction.set_context(company=company.id):
        for start in range(0, len(people), BATCH):
            chunk = people[start : start + BATCH]
            values = []
            for p in chunk:
                ref = f"BENCH{p['id']}"
                values.append(
                    {
                        "name": p["given"],
                        "lastname": p["family"],
                        "is_person": True,
                        "is_patient": True,
                        "gender": sex.get(p["sex"], "u"),
                        "dob": dt.date.fromisoformat(p["birth_date"]),
                        "ref": ref,
                        "federation_account": "XXX" + ref,
                        "code": f"{uuid.uuid4()}-Bench Clinic",
                        "addresses": None,
                        "person_names": [
                            (
                                "create",
                                [{"use": "official", "given": p["given"], "family": p["family"]}],
                            )
                        ],
                    }
                )
            parties = create_parties(values)
            patients = Patient.create([{"party": party.id} for party in parties])
            for p, patient in zip(chunk, patients, strict=True):
                ids[str(p["id"])] = patient.id
            print(f"  {start + len(chunk):,} patients", flush=True)

        heavy = ids[str(sessions[0]["patient_id"])] if sessions else None
        for start in range(0, len(sessions), 200):
            values = []
            for s in sessions[start : start + 200]:
                begin = dt.datetime.fromisoformat(s["started_at"]).astimezone(dt.UTC)
                begin = begin.replace(tzinfo=None, microsecond=0)
                values.append(
                    {
                        "patient": heavy,
                        "healthprof": prof.id,
                        "institution": institution.id,
                        "evaluation_start": begin,
                        "evaluation_endtime": begin + dt.timedelta(minutes=45),
                        "state": "done",
                        "visit_type": "followup",
                        "chief_complaint": (s["subjective"] or "")[:120],
                        "present_illness": s["subjective"],
                        "notes": s["objective"],
                        "evaluation_summary": s["assessment"],
                        "directions": s["plan"],
                    }
                )
            Evaluation.create(values)
        print(f"  {len(sessions):,} evaluations of patient {heavy}", flush=True)
    return {
        "company": company.id,
        "institution": institution.id,
        "healthprof": prof.id,
        "heavy_patient": heavy,
        "patients": ids,
    }


def load_others(transaction: Any, out: dict, others: list[list]) -> int:
    """Every other patient's sessions as evaluations, so that the evaluation table holds
    as many rows as acuflow's session table (what a query without an index on patient
    pays for). Written in SQL, 20,000 rows a statement: the ORM's create runs Python per
    row and would take most of an hour here. Every column the ORM set on the long-term
    patient's first evaluation (defaults, state, health professional, institution,
    audit columns) is copied from it; code stays NULL (unique, NULLs allowed)."""
    if not others:
        return 0
    cursor = transaction.connection.cursor()
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'gnuhealth_patient_evaluation'"
    )
    own = {
        "id", "code", "patient", "evaluation_start", "evaluation_endtime", "chief_complaint",
        "present_illness", "notes", "evaluation_summary", "directions",
    }  # fmt: skip
    copied = sorted(row[0] for row in cursor.fetchall() if row[0] not in own)
    cursor.execute(
        "SELECT min(id) FROM gnuhealth_patient_evaluation WHERE patient = %s",
        (out["heavy_patient"],),
    )
    (template,) = cursor.fetchone()
    ids = out["patients"]
    columns = ", ".join(copied)
    picked = ", ".join(f"t.{c}" for c in copied)
    for start in range(0, len(others), 20000):
        chunk = others[start : start + 20000]
        begins = [
            dt.datetime.fromisoformat(r[1]).astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
            for r in chunk
        ]
        cursor.execute(
            f"INSERT INTO gnuhealth_patient_evaluation (patient, evaluation_start, "  # noqa: S608
            f"evaluation_endtime, chief_complaint, present_illness, notes, evaluation_summary, "
            f"directions, {columns}) "
            f"SELECT u.p, u.s, u.s + interval '45 minutes', left(u.subj, 120), u.subj, u.obj, "
            f"u.ass, u.plan, {picked} FROM unnest(%s::int[], %s::timestamp[], %s::text[], "
            f"%s::text[], %s::text[], %s::text[]) AS u(p, s, subj, obj, ass, plan) "
            f"CROSS JOIN gnuhealth_patient_evaluation t WHERE t.id = %s",
            (
                [ids[str(r[0])] for r in chunk],
                begins,
                [r[2] for r in chunk],
                [r[3] for r in chunk],
                [r[4] for r in chunk],
                [r[5] for r in chunk],
                template,
            ),
        )
        print(f"  {start + len(chunk):,} other evaluations", flush=True)
    return len(others)


if __name__ == "__main__":
    main()
