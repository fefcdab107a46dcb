from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from acuflow.assessment.forms import AssessmentForm
from acuflow.core.forms import LanguageField
from acuflow.patients.models import Patient

WANTED = {"nl": "— kies —", "nb": "— velg —", "en": "— choose —", "es": "— elija —"}


class BlankChoiceTests(SimpleTestCase):
    def test_the_empty_first_option_of_a_select_is_in_the_users_language(self) -> None:
        for language, label in WANTED.items():
            with self.subTest(language=language), translation.override(language):
                model_field = Patient._meta.get_field("sex").formfield()
                self.assertEqual(str(model_field.choices[0][1]), label)  # type: ignore[union-attr]
                optional = LanguageField(required=False)
                self.assertEqual(str(optional.choices[0][1]), label)
                condition = AssessmentForm().fields["condition"]
                self.assertEqual(str(condition.choices[0][1]), label)  # type: ignore[attr-defined]
                self.assertNotIn("Select an option", condition.widget.render("c", ""))
