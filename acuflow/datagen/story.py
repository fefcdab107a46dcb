"""The simulation behind `acuflow generate`: pure Python, no database.

Every patient gets a story (who they are, each episode of care: assessment, red flags
and referral, a course following the protocol, sessions with an NRS trajectory,
questionnaires, appointments). The domain generators turn stories into rows for the
apps that are installed. Randomness comes from one `random.Random` per patient seeded
with (seed, patient number), so a story does not depend on chunk size or on which apps
are installed; the calendar (slots per practitioner) is filled in patient order.

Shares and their grounds (see docs/clinical-sources.md):
- sex and age: NL 2018 GP figures (source 5) for neck/back pain, 871,200 men and 1,193,800 women
  (58 % women), more common in women at all ages and rising with age;
- red flags: a small minority of back-pain presentations in primary care (a few per
  cent), each referred before treatment; most come back cleared;
- responders: IMMPACT classes on the change from baseline NRS; about half of chronic
  pain patients reach >= 30 % with acupuncture (Vickers 2018 shows a moderate effect),
  a quarter respond late, the rest stop at the review session (the stop rule);
- sessions: protocol defaults (acute ~5, chronic ~10, IMS ~8, Gunn 1980 mean 7.9).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from acuflow.datagen.names import CITIES, COUNTRIES, NAMES, ascii_fold

# Age bands (lower, upper inclusive, share of patients, share of women in the band).
AGE_BANDS: list[tuple[int, int, float, float]] = [
    (18, 29, 0.09, 0.55),
    (30, 44, 0.21, 0.56),
    (45, 64, 0.41, 0.58),
    (65, 79, 0.23, 0.60),
    (80, 95, 0.06, 0.64),
]

# Condition, share, modalities in order of preference, baseline NRS mean.
CONDITIONS: list[tuple[str, float, tuple[str, ...], float]] = [
    ("chronic_low_back_pain", 0.28, ("acupuncture", "ims"), 6.3),
    ("acute_low_back_pain", 0.14, ("acupuncture",), 6.8),
    ("sciatica", 0.11, ("acupuncture", "ims"), 6.9),
    ("neck_pain", 0.12, ("acupuncture", "ims"), 5.8),
    ("musculoskeletal_pain", 0.10, ("acupuncture",), 5.6),
    ("neuropathic_pain", 0.08, ("ims", "acupuncture"), 6.6),
    ("fibromyalgia", 0.06, ("acupuncture",), 6.5),
    ("postoperative_pain", 0.06, ("acupuncture", "ims"), 6.0),
    ("ms_symptoms", 0.05, ("acupuncture",), 5.0),
]
IMS_SHARE = 0.4  # of episodes where IMS is an option and an IMS practitioner works there

RED_FLAG_RATE = 0.06
RED_FLAGS: list[tuple[str, float]] = [
    ("malignancy", 0.30),
    ("fracture", 0.20),
    ("inflammatory", 0.20),
    ("visceral", 0.14),
    ("infection", 0.09),
    ("cauda_equina", 0.07),
]
REFERRED_OUT_SHARE = 0.25

RESPONDER_CLASSES: list[tuple[str, float]] = [
    ("responder", 0.50),
    ("slow", 0.22),
    ("non", 0.28),
]
DROPOUT_RATE = 0.08
RETURN_RATE = 0.5  # another episode of care later (chronic pain recurs)
CANCEL_RATE = 0.05
NO_SHOW_RATE = 0.02

REGIONS = {
    "chronic_low_back_pain": ["lower_back"],
    "acute_low_back_pain": ["lower_back"],
    "sciatica": ["lower_back", "buttock", "leg"],
    "neck_pain": ["neck", "shoulder"],
    "musculoskeletal_pain": ["shoulder", "knee", "hip"],
    "neuropathic_pain": ["lower_back", "leg"],
    "fibromyalgia": ["widespread"],
    "postoperative_pain": ["lower_back", "knee", "hip"],
    "ms_symptoms": ["leg", "widespread"],
}
FACTORS = [
    "posture_overload",
    "heavy_lifting",
    "pregnancy",
    "osteoporosis",
    "disc_wear",
    "whiplash",
    "surgery_scar",
    "psychological_stress",
]
GUNN_SIGNS = [
    "motor_point_tenderness",
    "paraspinal_tenderness",
    "coldness",
    "sweating",
    "goosebumps",
    "trophoedema",
    "hair_loss",
    "muscle_shortening",
]
MS_DOMAINS = ["muscle_tone", "coordination", "bladder_control", "muscle_pain", "walking"]

# Protocol numbers for a condition no shipped protocol covers (docs/clinical-sources.md,
# sources 4 and 5; IMS after Gunn 1980, "Points and sites").
DEFAULT_PROTOCOL = {"cadence": 7, "expected": 8, "onset": 3, "review": 6, "max": 12}
PROTOCOL_DEFAULTS: dict[tuple[str, str], dict[str, int]] = {
    ("acute_low_back_pain", "acupuncture"): {"expected": 5, "max": 8},
    ("chronic_low_back_pain", "acupuncture"): {"expected": 10, "max": 14},
    ("chronic_low_back_pain", "ims"): {"expected": 8, "max": 12},
    ("neuropathic_pain", "ims"): {"expected": 8, "max": 12},
}

DAY_START = 8 * 60  # clinic day 08:00-18:00, 30-minute slots
SLOT_MINUTES = 30
SLOTS_PER_DAY = 20


@dataclass
class ProtocolSpec:
    id: int | None
    condition: str
    modality: str
    cadence: int
    expected: int
    onset: int
    review: int
    max: int
    points: list[str] = field(default_factory=list)


@dataclass
class PractitionerSpec:
    index: int
    clinic: int
    given: str
    family: str
    email: str
    role: str  # owner, practitioner, reception
    profession: str
    modalities: list[str]
    user_id: int = 0
    practitioner_id: int = 0
    room_id: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def ims(self) -> bool:
        return "ims" in self.modalities

    @property
    def treats(self) -> bool:
        return bool(self.modalities)


@dataclass
class ClinicSpec:
    index: int
    slug: str
    name: str
    country: str
    language: str
    timezone: str
    city: str
    phone_pattern: str
    staff: list[PractitionerSpec]
    weight: float = 1.0
    id: int = 0
    location_id: int = 0

    @property
    def practitioners(self) -> list[PractitionerSpec]:
        return [s for s in self.staff if s.treats]

    @property
    def reception(self) -> list[PractitionerSpec]:
        return [s for s in self.staff if s.role == "reception"]


@dataclass
class Visit:
    """One appointment: attended (with a session), cancelled, no-show or booked ahead."""

    day: dt.date
    slot: int
    minutes: int
    kind: str  # initial_assessment, follow_up, ims
    status: str  # attended, cancelled, no_show, booked
    late_cancel: bool = False
    session: SessionPlan | None = None
    id: int = 0


@dataclass
class SessionPlan:
    number: int
    day: dt.date
    slot: int
    nrs_before: int
    nrs_after: int
    id: int = 0


@dataclass
class CoursePlan:
    protocol: ProtocolSpec
    practitioner: PractitionerSpec
    start: dt.date
    responder: str
    planned: list[dt.date]
    sessions: list[SessionPlan]
    visits: list[Visit]
    state: str  # active, completed, stopped
    id: int = 0


@dataclass
class ResponsePlan:
    instrument: str
    day: dt.date
    answers: dict
    score: float
    session_number: int | None = None
    id: int = 0


@dataclass
class EpisodePlan:
    assessed_on: dt.date
    onset: dt.date
    condition: str
    baseline: int
    regions: list[str]
    factors: list[str]
    gunn_signs: list[str]
    segments: list[str]
    ms_domains: list[str]
    red_flags: list[str]
    referral: tuple[dt.date, str] | None  # (date, outcome)
    practitioner: PractitionerSpec
    course: CoursePlan | None
    responses: list[ResponsePlan]
    intake: Visit | None = None
    id: int = 0

    @property
    def cleared(self) -> bool:
        return not self.red_flags or (self.referral is not None and self.referral[1] == "cleared")


@dataclass
class PatientStory:
    index: int
    clinic: ClinicSpec
    given: str
    family: str
    sex: str
    birth_date: dt.date
    email: str
    phone: str
    created: dt.date
    episodes: list[EpisodePlan]
    id: int = 0


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def weekday(day: dt.date, *, forward: bool = True) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1 if forward else -1)
    return day


# -- the clinic network -------------------------------------------------------------------


def build_clinics(*, patients: int, seed: int, clinics: int | None = None) -> list[ClinicSpec]:
    """About one clinic per 2,500 patients (at least two: one NL, one NO), each with a
    reception desk and 3-7 practitioners of whom about a third are qualified for IMS."""
    rng = random.Random(f"acuflow-generate:{seed}:clinics")
    count = clinics or max(2, math.ceil(patients / 2500))
    result: list[ClinicSpec] = []
    used_cities: set[tuple[str, str]] = set()
    for index in range(count):
        if index == 0:
            country = COUNTRIES[0]
        elif index == 1:
            country = COUNTRIES[1]
        else:
            country = COUNTRIES[
                [c[0] for c in COUNTRIES].index(pick(rng, [(c[0], c[4]) for c in COUNTRIES]))
            ]
        code, lang, tz, phone, _share = country
        city = CITIES[code][index % len(CITIES[code])]
        suffix = sum(1 for c in used_cities if c[0] == code and c[1] == city)
        used_cities.add((code, city))
        label = city.replace("-", " ") + (f" {suffix + 1}" if suffix else "")
        name = {
            "nl": f"Acupunctuur & IMS {label}",
            "nb": f"Akupunkturklinikken {label}",
            "es": f"Clínica de Acupuntura {label}",
            "en": f"{label} Acupuncture & IMS Clinic",
        }[lang]
        slug = f"gen-{code.lower()}-{index + 1:03d}"
        staff: list[PractitionerSpec] = []
        n_practitioners = rng.randint(3, 7)
        names = NAMES[lang]
        for p in range(n_practitioners + 1):
            sex = "female" if rng.random() < 0.6 else "male"
            given, family = rng.choice(names[sex]), rng.choice(names["family"])
            if p == 0:
                role, modalities = "owner", ["acupuncture", "electroacupuncture", "cupping"]
                profession = "Acupuncturist"
            elif p == n_practitioners:
                role, modalities, profession = "reception", [], ""
            elif rng.random() < 0.35:
                role, modalities = "practitioner", ["ims", "acupuncture"]
                profession = "Physiotherapist (IMS)"
            else:
                role, modalities = "practitioner", ["acupuncture", "acupressure"]
                profession = "Acupuncturist"
            if p == 1 and not any(s.ims for s in staff):
                role, modalities = "practitioner", ["ims", "acupuncture"]
                profession = "Physiotherapist (IMS)"
            email = f"{ascii_fold(given)}.{ascii_fold(family)}.{p + 1}@{slug}.example"
            staff.append(
                PractitionerSpec(
                    index=p,
                    clinic=index,
                    given=given,
                    family=family,
                    email=email,
                    role=role,
                    profession=profession,
                    modalities=modalities,
                )
            )
        result.append(
            ClinicSpec(
                index=index,
                slug=slug,
                name=name,
                country=code,
                language=lang,
                timezone=tz,
                city=city,
                phone_pattern=phone,
                staff=staff,
                weight=len([s for s in staff if s.treats]),
            )
        )
    return result


# -- the calendar --------------------------------------------------------------------------


class Calendar:
    """Taken 30-minute slots per practitioner (one room each): no double booking."""

    def __init__(self) -> None:
        self.taken: dict[tuple[int, int], set[int]] = {}

    def load(self, who: PractitionerSpec) -> int:
        return len(self.taken.get((who.clinic, who.index), ()))

    def book(
        self, who: PractitionerSpec, day: dt.date, prefer: int, slots: int = 1
    ) -> tuple[dt.date, int]:
        key = (who.clinic, who.index)
        taken = self.taken.setdefault(key, set())
        day = weekday(day)
        for _ in range(250):
            base = day.toordinal() * 32
            for step in range(SLOTS_PER_DAY):
                slot = (prefer + step) % (SLOTS_PER_DAY - slots + 1)
                if all(base + slot + k not in taken for k in range(slots)):
                    for k in range(slots):
                        taken.add(base + slot + k)
                    return day, slot
            day = weekday(day + dt.timedelta(days=1))
        raise RuntimeError("calendar full for 250 working days")


# -- patients ------------------------------------------------------------------------------


def _birth_and_sex(rng: random.Random, today: dt.date) -> tuple[dt.date, str]:
    lo, hi, _share, women = AGE_BANDS[
        [b[0] for b in AGE_BANDS].index(
            int(pick(rng, [(str(b[0]), b[2]) for b in AGE_BANDS]))  # band by share
        )
    ]
    age = rng.randint(lo, hi)
    birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    r = rng.random()
    sex = "female" if r < women else ("male" if r < 0.995 else "other")
    return birth, sex


def _trajectory(rng: random.Random, responder: str, baseline: int, n: int, onset: int) -> list[int]:
    """NRS before each session: usual pain since the last session."""
    if responder == "responder":
        target, start, span = rng.uniform(0.5, 0.85), 1, max(2, onset + 1)
    elif responder == "slow":
        target, start, span = rng.uniform(0.3, 0.55), max(2, onset + 1), 5
    else:
        target, start, span = rng.uniform(-0.15, 0.15), 1, 4
    values = []
    for k in range(n):
        frac = min(1.0, max(0.0, (k - start + 1) / span))
        value = baseline * (1 - target * frac) + rng.gauss(0, 0.6)
        values.append(min(10, max(0, round(value))))
    return values


def _questionnaires(
    rng: random.Random,
    episode: EpisodePlan,
    course: CoursePlan | None,
    today: dt.date,
) -> list[ResponsePlan]:
    out: list[ResponsePlan] = []
    base = episode.baseline
    day = episode.assessed_on

    def nrs(usual: int, day: dt.date, number: int | None) -> None:
        worst = min(10, usual + rng.randint(1, 3))
        now = max(0, usual - rng.randint(0, 2))
        out.append(
            ResponsePlan("nrs", day, {"usual": usual, "worst": worst, "now": now}, usual, number)
        )

    def peg(usual: int, day: dt.date, number: int | None) -> None:
        answers = {
            "pain": usual,
            "enjoyment": min(10, max(0, usual + rng.randint(-2, 1))),
            "activity": min(10, max(0, usual + rng.randint(-2, 2))),
        }
        out.append(ResponsePlan("peg", day, answers, round(sum(answers.values()) / 3, 2), number))

    activities = rng.sample(
        ["walking", "sitting at work", "gardening", "lifting a child", "cycling", "sleeping"],
        3,
    )

    def psfs(usual: int, day: dt.date, number: int | None) -> None:
        scores = [min(10, max(0, 10 - usual + rng.randint(-2, 2))) for _ in activities]
        answers = {
            "activities": [{"name": a, "score": s} for a, s in zip(activities, scores, strict=True)]
        }
        out.append(ResponsePlan("psfs", day, answers, round(sum(scores) / 3, 2), number))

    nrs(base, day, None)
    peg(base, day, None)
    psfs(base, day, None)
    if episode.condition == "ms_symptoms":
        answers = {k: rng.randint(3, 8) for k in ("stiffness", "coordination", "bladder")}
        answers["muscle_pain"] = min(10, base)
        answers["walking_distance"] = rng.randrange(100, 3000, 50)
        out.append(ResponsePlan("ms_diary", day, answers, 0.0, None))
    if episode.gunn_signs:
        answers = {sign: int(sign in episode.gunn_signs) for sign in GUNN_SIGNS}
        out.append(ResponsePlan("gunn_signs", day, answers, float(len(episode.gunn_signs)), None))
    if course is None or not course.sessions:
        return out
    done = course.sessions
    mid = done[min(len(done) - 1, course.protocol.onset)]
    if len(done) > course.protocol.onset:
        nrs(mid.nrs_before, mid.day, mid.number)
        peg(mid.nrs_before, mid.day, mid.number)
    if course.state != "active":
        last = done[-1]
        nrs(last.nrs_before, last.day, last.number)
        peg(last.nrs_before, last.day, last.number)
        psfs(last.nrs_before, last.day, last.number)
        change = (base - last.nrs_before) / base if base else 0
        grc = 3 if change >= 0.5 else 2 if change >= 0.3 else 1 if change >= 0.1 else 0
        grc = grc if change >= -0.1 else -1
        out.append(ResponsePlan("grc", last.day, {"change": grc}, float(grc), last.number))
    return out


def _episode(
    rng: random.Random,
    *,
    clinic: ClinicSpec,
    practitioner: PractitionerSpec | None,
    day: dt.date,
    today: dt.date,
    protocols: dict[tuple[str, str], ProtocolSpec],
    calendar: Calendar,
    habit: int,
    heavy: int = 0,
) -> EpisodePlan:
    condition, _share, modalities, mean = CONDITIONS[
        [c[0] for c in CONDITIONS].index(pick(rng, [(c[0], c[1]) for c in CONDITIONS]))
    ]
    if heavy:
        condition, modalities, mean = "ms_symptoms", ("acupuncture",), 5.0
    treating = clinic.practitioners
    ims_staff = [p for p in treating if p.ims]
    # IMS where it is an option, in proportion to the clinic's IMS-qualified staff, so
    # that a clinic with one IMS practitioner does not book them beyond their hours.
    capacity = min(1.0, 2.5 * len(ims_staff) / len(treating))
    want_ims = modalities[0] == "ims"
    chance = capacity * (1.0 if want_ims else IMS_SHARE)
    modality = "ims" if "ims" in modalities and rng.random() < chance else "acupuncture"
    if (condition, modality) not in protocols:
        modality = next((m for m in modalities if (condition, m) in protocols), modality)
    protocol = protocols.get((condition, modality)) or _default_protocol(condition, modality)
    if practitioner is None or (modality == "ims" and not practitioner.ims):
        # The less busy of two qualified colleagues: diaries fill evenly.
        pool = ims_staff if modality == "ims" else treating
        one, other = rng.choice(pool), rng.choice(pool)
        practitioner = one if calendar.load(one) <= calendar.load(other) else other
    acute = condition in {"acute_low_back_pain"} or rng.random() < 0.12
    onset = day - dt.timedelta(days=rng.randint(2, 40) if acute else rng.randint(85, 365 * 4))
    baseline = min(10, max(1, round(rng.gauss(mean, 1.4))))
    red_flags: list[str] = []
    referral = None
    if not heavy and rng.random() < RED_FLAG_RATE:
        red_flags = [pick(rng, RED_FLAGS)]
        if rng.random() < 0.15:
            second = pick(rng, RED_FLAGS)
            if second not in red_flags:
                red_flags.append(second)
        outcome = "referred_out" if rng.random() < REFERRED_OUT_SHARE else "cleared"
        referral_day = day + dt.timedelta(days=rng.randint(3, 21))
        referral = (min(referral_day, today), outcome)
    factors = rng.sample(FACTORS, rng.randint(0, 3))
    if "pregnancy" in factors and rng.random() < 0.8:
        factors.remove("pregnancy")
    episode = EpisodePlan(
        assessed_on=day,
        onset=onset,
        condition=condition,
        baseline=baseline,
        regions=list(REGIONS[condition]),
        factors=factors,
        gunn_signs=rng.sample(GUNN_SIGNS, rng.randint(2, 5)) if modality == "ims" else [],
        segments=rng.sample(["L3", "L4", "L5", "S1"], 2)
        if modality == "ims" and condition != "neck_pain"
        else (rng.sample(["C5", "C6", "C7"], 2) if modality == "ims" else []),
        ms_domains=rng.sample(MS_DOMAINS, 3) if condition == "ms_symptoms" else [],
        red_flags=red_flags,
        referral=referral,
        practitioner=practitioner,
        course=None,
        responses=[],
    )
    intake_day, intake_slot = calendar.book(practitioner, day, habit, slots=2)
    episode.assessed_on = intake_day
    episode.intake = Visit(intake_day, intake_slot, 60, "initial_assessment", "attended")
    if intake_day > today:
        episode.intake.status = "booked"
    if episode.cleared and intake_day <= today:
        start = intake_day if not red_flags else weekday(referral[0] + dt.timedelta(days=3))  # type: ignore[index]
        episode.course = _course(
            rng,
            protocol=protocol,
            practitioner=practitioner,
            start=start,
            baseline=baseline,
            new_pain=(day - onset).days < 14,
            today=today,
            calendar=calendar,
            habit=habit,
            heavy=heavy,
            intake=episode.intake if not red_flags else None,
        )
    episode.responses = _questionnaires(rng, episode, episode.course, today)
    return episode


def _default_protocol(condition: str, modality: str) -> ProtocolSpec:
    values = {**DEFAULT_PROTOCOL, **PROTOCOL_DEFAULTS.get((condition, modality), {})}
    return ProtocolSpec(
        None,
        condition,
        modality,
        values["cadence"],
        values["expected"],
        values["onset"],
        values["review"],
        values["max"],
    )


def _course(
    rng: random.Random,
    *,
    protocol: ProtocolSpec,
    practitioner: PractitionerSpec,
    start: dt.date,
    baseline: int,
    new_pain: bool,
    today: dt.date,
    calendar: Calendar,
    habit: int,
    heavy: int,
    intake: Visit | None,
) -> CoursePlan:
    responder = pick(rng, RESPONDER_CLASSES)
    if heavy:
        n, responder = heavy, "responder"
    elif protocol.modality == "ims" and new_pain:
        n, responder = rng.randint(1, 2), "responder"
    elif responder == "responder":
        n = max(protocol.onset, protocol.expected + rng.randint(-2, 1))
    elif responder == "slow":
        n = min(protocol.max, protocol.expected + rng.randint(1, 4))
    else:
        n = protocol.review
    dropped = not heavy and rng.random() < DROPOUT_RATE
    if dropped:
        n = rng.randint(1, max(1, n - 1))
    cadence = protocol.cadence
    planned = [
        weekday(start + dt.timedelta(days=cadence * k)) for k in range(max(n, protocol.expected))
    ]
    nrs = _trajectory(rng, responder, baseline, n, protocol.onset)
    kind = "ims" if protocol.modality == "ims" else "follow_up"
    sessions: list[SessionPlan] = []
    visits: list[Visit] = []
    future = False
    for k in range(n):
        want = weekday(start + dt.timedelta(days=cadence * k + (rng.randint(-1, 2) if k else 0)))
        if k == 0 and intake is not None:
            day, slot, visit = intake.day, intake.slot, intake
        else:
            if want > today:
                future = True
            if not future and rng.random() < CANCEL_RATE + NO_SHOW_RATE:
                day, slot = calendar.book(practitioner, want, habit)
                no_show = rng.random() < NO_SHOW_RATE / (CANCEL_RATE + NO_SHOW_RATE)
                visits.append(
                    Visit(
                        day,
                        slot,
                        30,
                        kind,
                        "no_show" if no_show else "cancelled",
                        late_cancel=not no_show and rng.random() < 0.3,
                    )
                )
                want = weekday(day + dt.timedelta(days=rng.randint(1, 4)))
            day, slot = calendar.book(practitioner, want, habit)
            if day > today:
                future = True
            visit = Visit(day, slot, 30, kind, "booked" if future else "attended")
            visits.append(visit)
        if future:
            continue
        before = nrs[k]
        after = max(0, before - rng.choice((0, 1, 1, 2, 2, 3)))
        session = SessionPlan(k + 1, day, slot, before, after)
        visit.session = session
        sessions.append(session)
    if len(sessions) < n:
        state = "active"
    elif heavy or responder in {"responder", "slow"} and not dropped:
        state = "completed"
    else:
        state = "stopped"
    return CoursePlan(protocol, practitioner, start, responder, planned, sessions, visits, state)


def patient_story(
    *,
    seed: int,
    index: int,
    clinics: list[ClinicSpec],
    protocols: dict[tuple[str, str], ProtocolSpec],
    today: dt.date,
    years: float,
    calendar: Calendar,
    heavy: int = 0,
) -> PatientStory:
    rng = random.Random(f"acuflow-generate:{seed}:patient:{index}")
    if heavy:
        clinic = clinics[0]
    else:
        x = rng.random() * sum(c.weight for c in clinics)
        clinic = clinics[-1]
        for c in clinics:
            x -= c.weight
            if x < 0:
                clinic = c
                break
    birth, sex = _birth_and_sex(rng, today)
    names = NAMES[clinic.language]
    given = rng.choice(names["female" if sex == "female" else "male"])
    family = rng.choice(names["family"])
    p = clinic.phone_pattern.format(
        a=rng.randint(0, 999), b=rng.randint(0, 9999), c=rng.randint(0, 999)
    )
    email = f"{ascii_fold(given)}.{ascii_fold(family)}.{index}@patients.example"
    if rng.random() < 0.2:
        email = ""
    span = max(1, int(years * 365))
    if heavy:
        # A patient with MS seen weekly for twenty years: the stress case for the chart.
        first = weekday(today - dt.timedelta(days=heavy * 7 + 30))
    else:
        first = today - dt.timedelta(days=rng.randrange(span) + 1)
        first = weekday(first, forward=False)
    habit = rng.randrange(SLOTS_PER_DAY)
    practitioner: PractitionerSpec | None = None
    episodes: list[EpisodePlan] = []
    day = first
    while day <= today:
        episode = _episode(
            rng,
            clinic=clinic,
            practitioner=practitioner,
            day=day,
            today=today,
            protocols=protocols,
            calendar=calendar,
            habit=habit,
            heavy=heavy,
        )
        episodes.append(episode)
        practitioner = episode.practitioner
        if heavy or rng.random() >= RETURN_RATE:
            break
        course = episode.course
        end = course.sessions[-1].day if course and course.sessions else episode.assessed_on
        if course and course.state == "active":
            break
        day = weekday(end + dt.timedelta(days=rng.randint(60, 540)))
    return PatientStory(
        index=index,
        clinic=clinic,
        given=given,
        family=family,
        sex=sex,
        birth_date=birth,
        email=email,
        phone=p,
        created=first,
        episodes=episodes,
    )
