"""The documents' own words (headings, labels) in every language carried; answers are said
as the wizard says them (:mod:`mesocheck.forms.answers`).

The form's content comes from the form file in the intake's language; these are the words
around it. A language missing here falls back to English, key by key. Every text put into
these words (a name, a reason, a date) goes in isolated, so that a right-to-left name cannot
reorder the words around it (:mod:`mesocheck.forms.isolation`).
"""

from __future__ import annotations

from mesocheck.forms.isolation import isolate

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subtitle": "Preparation checklist, risk disclosures and signed consent: "
                    "the clinic's record",
        "subtitle_patient": "Your copy: your answers, what you read, and the consent you "
                            "signed",
        "patient": "Patient",
        "birth_date": "Date of birth",
        "age": "age {age}",
        "intake": "Intake ID",
        "appointment": "Appointment",
        "area": "Treatment area",
        "language": "Language",
        "form": "Form",
        "form_value": "{id}, version {version}",
        "submitted": "Submitted",
        "status": "Status",
        "flags_summary": "For the practitioner",
        "flags_none": "No answer needs the practitioner's attention.",
        "answers": "Your answers",
        "answers_intro": "Every question you were shown, with your answer, in the words you saw.",
        "amended": "Corrected after signing by {staff}, {when}: {reason}",
        "amended_before": "(Patient: {answer})",
        "amended_before_patient": "(Your answer was: {answer})",
        "patient_flag_default": "The practitioner will talk with you about this answer "
                                "before any treatment.",
        "patient_told": "The patient's copy says",
        "flag_ref": "flag {n}",
        "disclosures": "Risks and information you read",
        "disclosures_intro": "Each was shown on its own screen and acknowledged separately.",
        "acknowledged": "Acknowledged {when}",
        "read_and_acknowledged": "Read to the end at {read}; acknowledged {when}",
        "not_acknowledged": "NOT ACKNOWLEDGED",
        "ack_text_changed": "The text acknowledged differs from the text printed here.",
        "consent": "Consent",
        "patient_signature": "Patient's signature",
        "patient_signature_earlier": "Earlier signature of the patient, over the answers "
                                     "before they were corrected",
        "signature_superseded": "made before a later change; kept for the record",
        "signed_by": "Signed by",
        "meaning": "Meaning of this signature",
        "signed_at": "Date and time",
        "signed_how": "How it was signed",
        "signed_drawn": "Drawn by hand on the tablet",
        "signed_typed": "The typed name, adopted as the signature (nothing was drawn)",
        "signed_mark": "A mark made on the tablet, witnessed by {witness}",
        "not_signed": "Not signed",
        "no_strokes": "No signature was drawn.",
        "signed_content": "Signed content (SHA-256)",
        "signature_alt": "{heading}: the handwritten signature of {name}, drawn on the "
                         "tablet on {when}",
        "signature_alt_blank": "{heading}: an empty box to sign in",
        "signature_alt_typed": "{heading}: the typed name of {name}, adopted as the "
                               "signature on {when}",
        "signature_alt_mark": "{heading}: a mark made by {name} on the tablet on {when}, "
                              "witnessed by {witness}",
        "review": "Practitioner review",
        "review_intro_pending": "To be completed by the practitioner before the procedure.",
        "flag_heading": "{n}. {word}",
        "raised_by": "Answer",
        "decision": "Decision",
        "decided": "{decision} by {staff}, {when}",
        "reason": "Reason",
        "new_date": "New date",
        "decision_proceed": "Proceed",
        "decision_postpone": "Postpone",
        "decision_decline": "Decline",
        "decision_blank": "\u2610\u00a0Proceed\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Postpone"
                          "\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Decline",
        "info_no_decision": "For the practitioner's awareness; no decision needed.",
        "outcome": "Outcome",
        "outcome_cleared": "Cleared for treatment",
        "outcome_postponed": "Postponed",
        "outcome_declined": "Declined",
        "outcome_blank": "\u2610\u00a0Cleared for treatment\u00a0\u00a0\u00a0\u00a0 "
                         "\u2610\u00a0Postponed\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Declined",
        "notes": "Notes",
        "practitioner_signature": "Practitioner's signature",
        "practitioner_meaning": "Reviewed the answers and flags above",
        "name_blank": "Name",
        "signature_blank": "Signature",
        "date_blank": "Date and time",
        "staff_unknown": "staff member #{id}",
        "aftercare": "Aftercare",
        "aftercare_for": "For {name}, treated on {date}",
        "contact": "Clinic",
        "record": "Document record",
        "record_document": "Document ID",
        "record_form_hash": "Form content (SHA-256)",
        "record_copy": "Copy",
        "copy_clinic": "The clinic's record",
        "copy_patient": "The patient's copy",
        "record_device": "Signed on device",
        "record_created": "Created",
        "record_audit_head": "Audit log seen",
        "record_audit_head_value": "row {id}, {hash}",
        "record_signature_patient": "Signed by the patient",
        "record_signature_practitioner": "Countersigned",
        "record_note": "Made by mesocheck from the intake stored at the clinic. The document "
                       "ID is a fingerprint of everything this document says. The file is "
                       "stored with its SHA-256 and sealed by the clinic; "
                       "\u201cmesocheck verify\u201d checks both. The audit log seen is "
                       "the newest entry of the clinic's tamper-evident log when this "
                       "document was made.",
        "record_paper": "To check a paper copy, the clinic writes out the stored file "
                        "(\u201cmesocheck pdf {intake}\u201d, with \u201c--copy "
                        "patient\u201d for the patient's copy), checks that it shows this "
                        "document ID, checks its seal (\u201cmesocheck check-pdf\u201d), "
                        "and runs \u201cmesocheck verify --against\u201d that file: the "
                        "clinic's log must still hold the entry named above, unchanged.",
        "footer_born": "born {date}",
        "footer_form": "Form {id} v{version}",
        "footer_intake": "Intake {id}",
        "page_of": "Page {page} of {pages}",
        "metadata_title": "{title} \u2013 {name}",
        "metadata_subject": "Signed consent record, intake {id}",
        "metadata_subject_reviewed": "Signed consent record with practitioner review, intake {id}",
        "metadata_subject_patient": "The patient's copy of the signed consent, intake {id}",
    },
}

LANGUAGE_NAMES = {
    "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano",
    "nl": "Nederlands", "pt": "Português", "el": "Ελληνικά", "ru": "Русский",
    "uk": "Українська", "ar": "العربية", "he": "עברית", "tr": "Türkçe", "pl": "Polski",
}


def words(language: str):
    """A lookup ``w(key, **values)`` in ``language``, English where it has no entry."""
    table = WORDS.get(language, {})
    fallback = WORDS["en"]

    def w(key: str, **values: object) -> str:
        template = table.get(key) or fallback[key]
        if not values:
            return template
        return template.format(**{k: isolate(v) if isinstance(v, str) else v
                                  for k, v in values.items()})

    return w
