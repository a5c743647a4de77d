"""FHIR R4: the intake as the clinic's electronic health record takes it in.

``bundle`` makes one transaction Bundle per intake as plain JSON data (fast, no FHIR library
at run time: the consent PDF carries one); ``questionnaire`` makes the form a
Questionnaire; ``check`` validates with ``fhir.resources`` (its R4B models, pydantic 2), which
every Bundle that leaves mesocheck passes first; ``push`` hands Bundles to a FHIR server.
"""
