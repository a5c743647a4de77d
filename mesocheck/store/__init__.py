"""Persistence: one SQLite file, schema migrations, the intake lifecycle and its audit chain.

Plain Python (no Qt). Open with ``Store.open(path)``; errors a user can act on are
:class:`StoreError` subclasses.
"""

from mesocheck.store.db import (
    BackupFailed, DatabaseCorrupt, DatabaseLocked, DatabaseMissing, DiskError, DiskFull,
    DocumentDamaged, EmptyDatabase, IntakeLocked, InvalidName, InvalidPin, InvalidState,
    NotAFile, NotAMesocheckDatabase, NotFound, ReadOnlyDatabase, SchemaTooNew, StoreError,
    UnreadableRecord, UnsafeDatabase,
)
from mesocheck.store.records import (
    Acknowledgement, Answer, Decision, DocumentInfo, Flag, IntakeRecord, Patient, PinCheck,
    Problem, QueueRow, Signature, StaffMember, UnfinishedIntake,
)
from mesocheck.store.store import DEFAULT_SETTINGS, SCHEMA_VERSION, Store

__all__ = [
    "Store", "SCHEMA_VERSION", "DEFAULT_SETTINGS",
    "StoreError", "BackupFailed", "DatabaseCorrupt", "DatabaseLocked", "DatabaseMissing",
    "DiskError", "DiskFull", "DocumentDamaged", "EmptyDatabase", "IntakeLocked", "InvalidName",
    "InvalidPin", "InvalidState", "NotAFile", "NotAMesocheckDatabase", "NotFound",
    "ReadOnlyDatabase", "SchemaTooNew", "UnreadableRecord", "UnsafeDatabase",
    "Acknowledgement", "Answer", "Decision", "DocumentInfo", "Flag", "IntakeRecord", "Patient",
    "PinCheck", "Problem", "QueueRow", "Signature", "StaffMember", "UnfinishedIntake",
]
