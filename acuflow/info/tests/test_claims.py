"""Claims stay claims: what the source clinics have seen is said to be their experience.

The session numbers and healing times in the patient texts ("improvement from the 3rd
session", "about 21 days to heal", "about 10 sessions", "probably does not suit you by
the 6th session") come from the clinics' own pages, not from research. Every sentence
that repeats one must say so, in the reader's language, and none of them may be used
for multiple sclerosis, where the evidence is weak (Karpatkin 2014).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.test import SimpleTestCase

import acuflow
from acuflow.info.library import library_articles

PROTOCOLS_JSON = Path(acuflow.__file__).resolve().parent / "protocols" / "data" / "protocols.json"

# The phrase that marks a sentence as the clinics' experience, per language.
MARKERS = {
    "en": re.compile(r"our clinics' experience", re.I),
    "nl": re.compile(r"praktijkervaring", re.I),
    "nb": re.compile(r"erfaringen fra klinikkene våre", re.I),
    "es": re.compile(r"experiencia de nuestras clínicas", re.I),
}

# The known clinic-experience claims, per language (onset, lasting effect, session counts,
# healing time, single session, the 6th-session rule and "probably does not suit you").
CLAIMS = {
    "en": [
        r"improve\w* (usually )?(starts )?from (the )?([23](nd|rd) session|session [23])",
        r"lasting (effect|improvement)",
        r"(about|after) (5|10|five|ten) sessions",
        r"21 days|about three weeks",
        r"(one|one or two) sessions? (may|can|is|are)( sometimes)? (be )?enough",
        r"6th session|session 6|about 6 sessions",
        r"probably does not suit",
    ],
    "nl": [
        r"vanaf de [23]e behandeling",
        r"blijvend\w* (effect|verbetering)",
        r"ongeveer (5|10|vijf|tien) behandelingen",
        r"21 dagen|ongeveer drie weken",
        r"(één|één of twee) behandelingen? (genoeg|voldoende)",
        r"één behandeling genoeg",
        r"6e behandeling|ongeveer 6 behandelingen",
        r"waarschijnlijk niet bij (u|deze persoon)",
    ],
    "nb": [
        r"fra (den )?[23]\. behandling",
        r"varig (effekt|bedring)",
        r"(rundt|omtrent) (5|10|fem|ti) behandlinger",
        r"21 dager|omtrent tre uker",
        r"én behandling .*nok|én eller to behandlinger",
        r"6\. behandling|omtrent 6 behandlinger",
        r"(sannsynligvis|trolig) ikke for deg",
    ],
    "es": [
        r"a partir de la (sesión [23]|[23]\.ª sesión)",
        r"(efecto|mejoría) duradera?",
        r"unas (5|10|cinco|diez) sesiones",
        r"21 días|unas tres semanas",
        r"(bastar|basta|bastan) (una|una o dos) sesi|una sesión puede bastar",
        r"6\.ª sesión|sesión 6|unas 6 sesiones",
        r"probablemente (el|este|la) .*no (le conviene|es para usted)",
    ],
}
CLAIM_RES = {lang: [re.compile(p, re.I) for p in pats] for lang, pats in CLAIMS.items()}

# A sentence ends at . ! or ? followed by a capital (so "6. behandling" and "3.ª" stay whole).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[*¿¡(\"A-ZÁÉÍÓÚÑÅÆØ])|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def unmarked_claims(text: str, lang: str) -> list[str]:
    """Sentences of `text` that repeat a clinic claim without saying it is experience."""
    return [
        s
        for s in sentences(text)
        if any(c.search(s) for c in CLAIM_RES[lang]) and not MARKERS[lang].search(s)
    ]


def any_claims(text: str, lang: str) -> list[str]:
    return [s for s in sentences(text) if any(c.search(s) for c in CLAIM_RES[lang])]


def shipped_texts() -> list[tuple[str, str, bool, str]]:
    """(where, language, is_ms, text) for every patient article and protocol text."""
    found = []
    for article in library_articles():
        text = f"{article.summary}\n{article.body}"
        is_ms = article.slug == "multiple-sclerosis"
        found.append((f"info/{article.slug}", article.language, is_ms, text))
    data = json.loads(PROTOCOLS_JSON.read_text(encoding="utf-8"))
    for protocol in data["protocols"]:
        is_ms = protocol["condition"].startswith("ms")
        for field in ("expectations", "home_care"):
            for lang, text in protocol[field].items():
                found.append((f"protocol {protocol['key']} {field}", lang, is_ms, text))
    return found


class ClinicClaimScannerTests(SimpleTestCase):
    """The scanner itself: it must catch the sentences the texts used to ship."""

    def test_it_flags_an_unmarked_claim_in_every_language(self) -> None:
        old = {
            "en": "Most people notice improvement from session 3. We plan 5 sessions.",
            "nl": "De meeste mensen merken vanaf de 3e behandeling verbetering.",
            "nb": "Kroppen trenger omtrent 21 dager på å lege seg etter en behandling.",
            "es": "En el dolor lumbar crónico, una mejoría duradera suele requerir unas 10 sesiones.",
        }
        for lang, text in old.items():
            self.assertEqual(len(unmarked_claims(text, lang)), 1, lang)

    def test_it_accepts_the_claim_when_the_sentence_says_it_is_experience(self) -> None:
        marked = {
            "en": "In our clinics' experience, most people notice improvement from session 3.",
            "nl": "In onze praktijkervaring merken de meeste mensen vanaf de 3e behandeling verbetering.",
            "nb": "Etter erfaringen fra klinikkene våre trenger kroppen omtrent 21 dager.",
            "es": "Según la experiencia de nuestras clínicas, una mejoría duradera requiere unas 10 sesiones.",
        }
        for lang, text in marked.items():
            self.assertEqual(unmarked_claims(text, lang), [], lang)
            self.assertEqual(len(any_claims(text, lang)), 1, lang)

    def test_the_marker_in_another_sentence_does_not_count(self) -> None:
        text = "These numbers are our clinics' experience. Improvement starts from the 3rd session."
        self.assertEqual(len(unmarked_claims(text, "en")), 1)

    def test_research_numbers_are_not_taken_for_clinic_claims(self) -> None:
        research = "In Gunn's 1980 study patients needed on average 7.9 treatments; NICE advised up to 10 sessions."
        self.assertEqual(any_claims(research, "en"), [])


class ShippedTextClaimTests(SimpleTestCase):
    def test_every_clinic_claim_in_the_shipped_texts_says_it_is_experience(self) -> None:
        problems = [
            f"{where} [{lang}]: {sentence}"
            for where, lang, _is_ms, text in shipped_texts()
            for sentence in unmarked_claims(text, lang)
        ]
        self.assertEqual(problems, [])

    def test_ms_texts_carry_no_clinic_claims(self) -> None:
        ms = [(where, lang, text) for where, lang, is_ms, text in shipped_texts() if is_ms]
        # The MS article in four languages and the MS protocol's texts.
        self.assertGreaterEqual(len(ms), 4 + 8)
        problems = [
            f"{where} [{lang}]: {sentence}"
            for where, lang, text in ms
            for sentence in any_claims(text, lang)
        ]
        self.assertEqual(problems, [])

    def test_the_clinic_claims_are_still_there_outside_ms(self) -> None:
        # Guards the scanner against silently matching nothing in a language.
        for lang in CLAIMS:
            hits = [
                s
                for _where, text_lang, is_ms, text in shipped_texts()
                if text_lang == lang and not is_ms
                for s in any_claims(text, lang)
            ]
            self.assertGreater(len(hits), 10, lang)
