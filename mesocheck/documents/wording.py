"""The documents' own words (headings, labels) in every language carried; answers are said
as the wizard says them (:mod:`mesocheck.forms.answers`).

The form's content comes from the form file in the intake's language; these are the words
around it, from the catalogue (:mod:`mesocheck.i18n`), English where it has no translation. Every text put into
these words (a name, a reason, a date) goes in isolated, so that a right-to-left name cannot
reorder the words around it (:mod:`mesocheck.forms.isolation`).
"""

from __future__ import annotations

from mesocheck.forms.isolation import isolate
from mesocheck.i18n import N_, translations

WORDS: dict[str, str] = {
    "subtitle": N_("Preparation checklist, risk disclosures and signed consent: "
                   "the clinic's record"),
    "subtitle_patient": N_("Your copy: your answers, what you read, and the consent you "
                           "signed"),
    "patient": N_("Patient"),
    "birth_date": N_("Date of birth"),
    "age": N_("age {age}"),
    "intake": N_("Intake ID"),
    "appointment": N_("Appointment"),
    "area": N_("Treatment area"),
    "language": N_("Language"),
    "form": N_("Form"),
    "form_value": N_("{id}, version {version}"),
    "submitted": N_("Submitted"),
    "status": N_("Status"),
    "flags_summary": N_("For the practitioner"),
    "flags_none": N_("No answer needs the practitioner's attention."),
    "answers": N_("Your answers"),
    "answers_intro": N_("Every question you were shown, with your answer, in the words you saw."),
    "amended": N_("Corrected after signing by {staff}, {when}: {reason}"),
    "carried": N_("Your answer from your last visit, confirmed unchanged."),
    "amended_before": N_("(Patient: {answer})"),
    "amended_before_patient": N_("(Your answer was: {answer})"),
    "patient_flag_default": N_("The practitioner will talk with you about this answer "
                               "before any treatment."),
    "patient_told": N_("The patient's copy says"),
    "flag_ref": N_("flag {n}"),
    "disclosures": N_("Risks and information you read"),
    "disclosures_intro": N_("Each was shown on its own screen and acknowledged separately."),
    "acknowledged": N_("Acknowledged {when}"),
    "read_and_acknowledged": N_("Read to the end at {read}; acknowledged {when}"),
    "not_acknowledged": N_("NOT ACKNOWLEDGED"),
    "ack_text_changed": N_("The text acknowledged differs from the text printed here."),
    "understanding": N_("Your understanding, checked"),
    "understanding_intro": N_("Before signing you answered these questions on what matters "
                              "most. A wrong answer showed the right one and the card it "
                              "comes from; every try is kept here."),
    "understanding_right": N_("Right answer: {answer}"),
    "understanding_ok": N_("Try {n}: {answer} (right)"),
    "understanding_wrong": N_("Try {n}: {answer} (not right)"),
    "understanding_none": N_("no answer"),
    "consent": N_("Consent"),
    "patient_signature": N_("Patient's signature"),
    "guardian_signature": N_("Signature of the parent or guardian ({relationship})"),
    "course": N_("This consent covers up to {sessions} sessions until {until}."),
    "continues": N_("This check-in continues the course consent signed on {signed} (record "
                    "{ref}), which covers up to {sessions} sessions until {until}."),
    "continues_unknown": N_("This check-in continues the course consent of record {ref}."),
    "renews": N_("This consent is asked again, in place of a check-in, and renews the course "
                 "consent of record {ref}: {why}."),
    "continues_consent": N_("Continues the course consent"),
    "consent_signed": N_("Course consent signed"),
    "renews_consent": N_("Renews the course consent"),
    "renewed_because": N_("Asked again because"),
    "reason_wording": N_("its wording has changed"),
    "reason_sessions": N_("its sessions are used up"),
    "reason_expired": N_("its time has run out"),
    "reason_requested": N_("the practitioner asked for it"),
    "patient_signature_earlier": N_("Earlier signature of the patient, over the answers "
                                    "before they were corrected"),
    "signature_superseded": N_("made before a later change; kept for the record"),
    "signed_by": N_("Signed by"),
    "meaning": N_("Meaning of this signature"),
    "signed_at": N_("Date and time"),
    "signed_how": N_("How it was signed"),
    "signed_drawn": N_("Drawn by hand on the tablet"),
    "signed_typed": N_("The typed name, adopted as the signature (nothing was drawn)"),
    "signed_mark": N_("A mark made on the tablet, witnessed by {witness}"),
    "not_signed": N_("Not signed"),
    "no_strokes": N_("No signature was drawn."),
    "signed_content": N_("Signed content (SHA-256)"),
    "signature_alt": N_("{heading}: the handwritten signature of {name}, drawn on the "
                        "tablet on {when}"),
    "signature_alt_blank": N_("{heading}: an empty box to sign in"),
    "signature_alt_typed": N_("{heading}: the typed name of {name}, adopted as the "
                              "signature on {when}"),
    "signature_alt_mark": N_("{heading}: a mark made by {name} on the tablet on {when}, "
                             "witnessed by {witness}"),
    "summary_title": N_("Summary for the practitioner, in {language}"),
    "summary_intro": N_("The patient answered in {language}. Each flag is shown with its "
                        "question in both languages and the patient's answer."),
    "summary_asked": N_("Asked in {language}"),
    "review": N_("Practitioner review"),
    "review_intro_pending": N_("To be completed by the practitioner before the procedure."),
    "flag_heading": N_("{n}. {word}"),
    "raised_by": N_("Answer"),
    "decision": N_("Decision"),
    "decided": N_("{decision} by {staff}, {when}"),
    "reason": N_("Reason"),
    "new_date": N_("New date"),
    "decision_proceed": N_("Proceed"),
    "decision_postpone": N_("Postpone"),
    "decision_decline": N_("Decline"),
    "decision_blank": N_("\u2610\u00a0Proceed\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Postpone"
                         "\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Decline"),
    "info_no_decision": N_("For the practitioner's awareness; no decision needed."),
    "outcome": N_("Outcome"),
    "outcome_cleared": N_("Cleared for treatment"),
    "outcome_postponed": N_("Postponed"),
    "outcome_declined": N_("Declined"),
    "outcome_blank": N_("\u2610\u00a0Cleared for treatment\u00a0\u00a0\u00a0\u00a0 "
                        "\u2610\u00a0Postponed\u00a0\u00a0\u00a0\u00a0 \u2610\u00a0Declined"),
    "notes": N_("Notes"),
    "practitioner_signature": N_("Practitioner's signature"),
    "practitioner_meaning": N_("Reviewed the answers and flags above"),
    "name_blank": N_("Name"),
    "signature_blank": N_("Signature"),
    "date_blank": N_("Date and time"),
    "staff_unknown": N_("staff member #{id}"),
    "aftercare": N_("Aftercare"),
    "aftercare_for": N_("For {name}, treated on {date}"),
    "contact": N_("Clinic"),
    "record": N_("Document record"),
    "record_document": N_("Document ID"),
    "record_form_hash": N_("Form content (SHA-256)"),
    "record_copy": N_("Copy"),
    "copy_clinic": N_("The clinic's record"),
    "copy_patient": N_("The patient's copy"),
    "record_device": N_("Signed on device"),
    "record_created": N_("Created"),
    "record_audit_head": N_("Audit log seen"),
    "record_audit_head_value": N_("row {id}, {hash}"),
    "record_signature_patient": N_("Signed by the patient"),
    "record_signature_practitioner": N_("Countersigned"),
    "record_note": N_("Made by mesocheck from the intake stored at the clinic. The document "
                      "ID is a fingerprint of everything this document says. The file is "
                      "stored with its SHA-256 and sealed by the clinic; "
                      "\u201cmesocheck verify\u201d checks both. The audit log seen is "
                      "the newest entry of the clinic's tamper-evident log when this "
                      "document was made."),
    "record_paper": N_("To check a paper copy, the clinic writes out the stored file "
                       "(\u201cmesocheck pdf {intake}\u201d, with \u201c--copy "
                       "patient\u201d for the patient's copy), checks that it shows this "
                       "document ID, checks its seal (\u201cmesocheck check-pdf\u201d), "
                       "and runs \u201cmesocheck verify --against\u201d that file: the "
                       "clinic's log must still hold the entry named above, unchanged."),
    "footer_born": N_("born {date}"),
    "footer_form": N_("Form {id} v{version}"),
    "footer_intake": N_("Intake {id}"),
    "page_of": N_("Page {page} of {pages}"),
    "metadata_title": N_("{title} \u2013 {name}"),
    "metadata_subject": N_("Signed consent record, intake {id}"),
    "metadata_subject_reviewed": N_("Signed consent record with practitioner review, intake {id}"),
    "metadata_subject_patient": N_("The patient's copy of the signed consent, intake {id}"),
}

LANGUAGE_NAMES = {
    "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano",
    "nl": "Nederlands", "pt": "Português", "el": "Ελληνικά", "ru": "Русский",
    "uk": "Українська", "ar": "العربية", "he": "עברית", "tr": "Türkçe", "pl": "Polski",
    "zh": "中文",
}


def words(language: str):
    """A lookup ``w(key, **values)`` in ``language``, English where it has no entry."""
    gettext = translations(language).gettext

    def w(key: str, **values: object) -> str:
        template = gettext(WORDS[key])
        if not values:
            return template
        return template.format(**{k: isolate(v) if isinstance(v, str) else v
                                  for k, v in values.items()})

    return w
