"""The form model: questions, disclosures, rules, flags and answer validation. No Qt."""

from mesocheck.forms.conditions import Facts, effective_answers
from mesocheck.forms.flow import Flow, Page, disclosure_text_hash
from mesocheck.forms.loader import FormInvalid, FormProblem, check_form, load_form, parse_form
from mesocheck.forms.model import Form, Question
from mesocheck.forms.rules import Flag, evaluate_rules, worst_severity
from mesocheck.forms.validation import Checked, check_answer, check_birth_date, check_name

__all__ = [
    "Checked", "Facts", "Flag", "Flow", "Form", "FormInvalid", "FormProblem", "Page",
    "Question", "check_answer", "check_birth_date", "check_form", "check_name",
    "disclosure_text_hash", "effective_answers", "evaluate_rules", "load_form", "parse_form",
    "worst_severity",
]
