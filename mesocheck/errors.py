"""Errors a person can meet and act on.

Each carries one plain sentence saying what is wrong and what to do. None of them may
contain patient data: they reach logs and the screen alike.
"""

from __future__ import annotations


class MesocheckError(Exception):
    """Base for every error that is shown to a user rather than treated as a bug."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
