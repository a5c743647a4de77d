"""The form as a FHIR Questionnaire, and answers as QuestionnaireResponse items.

- A step is a ``group`` item (linkId = step id), a question an item whose linkId is the
  question's id; a risk disclosure is a ``boolean`` item the patient acknowledged, in a
  group ``disclosures``. The intake's facts that conditions test (``@area``, ``@age``,
  ``@understood``) are read-only items of a first group ``@facts`` (with ``@appointment``,
  which time windows count back from).
- The understanding check before signing is a repeating group ``understanding``: one
  instance per try, in order, each question a ``choice``.
- ``version`` is the form's content hash (the exact words signed); ``url`` names the form.
- Every text carries its other languages with the ``translation`` extension.
- Skip logic: a condition of plain tests becomes ``enableWhen`` with ``enableBehavior``;
  anything FHIR's enableWhen cannot say (a nested any/all, a time window) becomes the SDC
  ``enableWhenExpression`` (FHIRPath).
- A "last taken" question is a ``choice`` (never / not recently / on a date) with a child
  item ``<id>.when`` holding the date, enabled when the answer is "on a date".
"""

from __future__ import annotations

from typing import Any

from mesocheck.forms.model import (
    NEVER, NOT_RECENT, Compare, Condition, Form, Group, Question, Text,
)

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression")
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
LAST_TAKEN_ON = "on_date"
FACTS = "@facts"
_TYPES = {"boolean": "boolean", "choice": "choice", "multi_choice": "choice", "date": "date",
          "datetime": "dateTime", "text": "text", "last_taken": "choice"}
_CACHE: dict[str, dict[str, Any]] = {}


def form_url(form: Form) -> str:
    return f"urn:mesocheck:form:{form.id}"


def option_system(form: Form, question_id: str) -> str:
    return f"{form_url(form)}:{question_id}"


def canonical(form: Form) -> str:
    """What a QuestionnaireResponse names: the form at this exact content."""
    return f"{form_url(form)}|{form.content_hash}"


def questionnaire(form: Form, resource_id: str) -> dict[str, Any]:
    """The Questionnaire of ``form`` (made once per content hash; treat it as read-only)."""
    key = f"{form.content_hash}:{resource_id}"
    if key not in _CACHE:
        _CACHE[key] = _Builder(form).questionnaire(resource_id)
    return _CACHE[key]


def text(value: Text, language: str) -> dict[str, Any]:
    """``{"text": ..., "_text": translations}`` for a field called text."""
    return labelled("text", value, language)


def labelled(field: str, value: Text, language: str) -> dict[str, Any]:
    out: dict[str, Any] = {field: value.get(language)}
    others = [(lang, words) for lang, words in value.values.items()
              if lang != language and words]
    if others:
        out[f"_{field}"] = {"extension": [
            {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": lang},
                                               {"url": "content", "valueString": words}]}
            for lang, words in others]}
    return out


class _Builder:
    def __init__(self, form: Form):
        self.form = form
        self.language = form.languages[0]
        self.uses_appointment = False

    def questionnaire(self, resource_id: str) -> dict[str, Any]:
        form = self.form
        items = [self._facts()]
        items += [self._step(step) for step in form.steps]
        items.append({
            "linkId": "disclosures", "type": "group", "text": "Risks and information",
            "item": [self._disclosure(d) for d in form.disclosures],
        })
        if form.understanding:  # the check before signing: a group per try, in order
            items.append({
                "linkId": "understanding", "type": "group", "repeats": True,
                "text": "Understanding check before signing (one group per try)",
                "item": [{"linkId": u.id, "type": "choice", "required": True,
                          **text(u.text, self.language),
                          "answerOption": [{"valueCoding": self._coding(u.id, o.value, o.label)}
                                           for o in u.options]}
                         for u in form.understanding],
            })
        items.append({
            "linkId": "consent", "type": "display", **text(form.consent.title, self.language),
        })
        out: dict[str, Any] = {
            "resourceType": "Questionnaire", "id": resource_id, "url": form_url(form),
            "version": form.content_hash, "name": _name(form.id),
            **labelled("title", form.title, self.language), "status": "active",
            "language": self.language, "subjectType": ["Patient"],
            "identifier": [{"system": "urn:mesocheck:form-version",
                            "value": f"{form.id} {form.version}"}],
            "item": items,
        }
        if self.uses_appointment:
            out["extension"] = [{"url": VARIABLE, "valueExpression": {
                "name": "appointment", "language": "text/fhirpath",
                "expression": "%resource.repeat(item).where(linkId='@appointment')"
                              ".answer.value"}}]
        return out

    def _facts(self) -> dict[str, Any]:
        return {"linkId": FACTS, "type": "group", "text": "Intake", "item": [
            {"linkId": "@area", "type": "choice", "text": "Treatment area", "readOnly": True,
             "answerOption": [{"valueCoding": self._coding("@area", a.value, a.label)}
                              for a in self.form.areas]},
            {"linkId": "@age", "type": "integer", "text": "Age at the appointment",
             "readOnly": True},
            {"linkId": "@appointment", "type": "dateTime", "text": "Appointment",
             "readOnly": True},
        ] + ([{"linkId": "@understood", "type": "boolean", "readOnly": True,
               "text": "Understanding check: every answer right on the last try"}]
             if self.form.understanding else [])}

    def _step(self, step) -> dict[str, Any]:
        item = {"linkId": step.id, "type": "group", **text(step.title, self.language),
                "item": [self._question(q) for q in step.questions]}
        return self._enable(item, step.enable_when)

    def _disclosure(self, disclosure) -> dict[str, Any]:
        item = {"linkId": disclosure.id, "type": "boolean", "required": True,
                **text(disclosure.title, self.language),
                "item": [{"linkId": f"{disclosure.id}.text", "type": "display",
                          **text(disclosure.body, self.language)}]}
        return self._enable(item, disclosure.enable_when)

    def _question(self, q: Question) -> dict[str, Any]:
        item: dict[str, Any] = {"linkId": q.id, "type": _TYPES[q.type],
                                **text(q.text, self.language)}
        if q.required:
            item["required"] = True
        if q.type == "multi_choice":
            item["repeats"] = True
        if q.max_length is not None and q.type == "text":
            item["maxLength"] = q.max_length
        if q.options:
            item["answerOption"] = [{"valueCoding": self._coding(q.id, o.value, o.label)}
                                    for o in q.options]
        if q.type == "last_taken":
            choices = [(NEVER, "Never")]
            if q.recent_window_hours is not None:
                choices.append((NOT_RECENT, "Not recently"))
            choices.append((LAST_TAKEN_ON, "On a date"))
            item["answerOption"] = [{"valueCoding": {"system": option_system(self.form, q.id),
                                                     "code": code, "display": words}}
                                    for code, words in choices]
            item["item"] = [{
                "linkId": f"{q.id}.when", "text": "When",
                "type": "dateTime" if q.precision == "datetime" else "date",
                "enableWhen": [{"question": q.id, "operator": "=", "answerCoding": {
                    "system": option_system(self.form, q.id), "code": LAST_TAKEN_ON}}],
            }]
        if help_text := q.help:
            item.setdefault("item", []).append({"linkId": f"{q.id}.help", "type": "display",
                                                **text(help_text, self.language)})
        return self._enable(item, q.enable_when)

    def _coding(self, question_id: str, value: str, label: Text) -> dict[str, Any]:
        return {"system": option_system(self.form, question_id), "code": value,
                **labelled("display", label, self.language)}

    # -- skip logic ----------------------------------------------------------------------------

    def _enable(self, item: dict[str, Any], condition: Condition | None) -> dict[str, Any]:
        if condition is None:
            return item
        tests = [condition] if isinstance(condition, Compare) else list(condition.items)
        plain = all(isinstance(t, Compare) and t.op != "within" for t in tests)
        if plain:
            item["enableWhen"] = [self._enable_when(t) for t in tests]
            if len(tests) > 1:
                item["enableBehavior"] = condition.mode
        else:
            item["extension"] = [{"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {
                "language": "text/fhirpath", "expression": self._fhirpath(condition)}}]
        return item

    def _enable_when(self, test: Compare) -> dict[str, Any]:
        out: dict[str, Any] = {"question": test.source, "operator": test.op}
        if test.op == "exists":
            out["answerBoolean"] = True if test.value is None else bool(test.value)
        else:
            out.update(self._answer(test.source, test.value))
        return out

    def _answer(self, source: str, value: Any) -> dict[str, Any]:
        kind = self._kind(source)
        if kind == "boolean":
            return {"answerBoolean": bool(value)}
        if kind == "integer":
            return {"answerInteger": int(value)}
        if kind in ("choice", "multi_choice", "last_taken", "area"):
            return {"answerCoding": {"system": option_system(self.form, source),
                                     "code": str(value)}}
        if kind == "date":
            return {"answerDate": str(value)}
        if kind == "datetime":
            return {"answerDateTime": str(value)}
        return {"answerString": str(value)}

    def _kind(self, source: str) -> str:
        if source == "@age":
            return "integer"
        if source == "@area":
            return "area"
        try:
            return self.form.question(source).type
        except KeyError:
            return "text"

    def _fhirpath(self, condition: Condition) -> str:
        if isinstance(condition, Group):
            joiner = " and " if condition.mode == "all" else " or "
            return "(" + joiner.join(self._fhirpath(c) for c in condition.items) + ")"
        answer = f"%resource.repeat(item).where(linkId='{condition.source}').answer"
        if condition.op == "exists":
            return f"{answer}.exists()"
        if condition.op == "within":
            self.uses_appointment = True
            window = (f"{condition.days} days" if condition.days is not None
                      else f"{condition.hours} hours")
            when = (f"{condition.source}.when" if self._kind(condition.source) == "last_taken"
                    else condition.source)
            moment = f"%resource.repeat(item).where(linkId='{when}').answer.value"
            return (f"({moment} > %appointment - {window} "
                    f"and {moment} <= %appointment)")
        kind = self._kind(condition.source)
        value = condition.value
        if kind in ("choice", "multi_choice", "last_taken", "area"):
            left, right = f"{answer}.value.code", f"'{value}'"
        elif isinstance(value, bool):
            left, right = f"{answer}.value", "true" if value else "false"
        elif isinstance(value, (int, float)):
            left, right = f"{answer}.value", str(value)
        else:
            left, right = f"{answer}.value", f"'{value}'"
        op = {"=": "=", "!=": "!=", "<": "<", ">": ">"}[condition.op]
        return f"({left} {op} {right})"


def _name(form_id: str) -> str:
    """A computer-friendly name (FHIR: starts with a capital, letters and digits only)."""
    words = "".join(ch if ch.isalnum() else " " for ch in form_id).split()
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Form"
    return name if name[0].isalpha() else f"Form{name}"
