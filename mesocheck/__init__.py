"""mesocheck: pre-procedure checklist and informed consent for mesotherapy."""

__version__ = "0.1.0"
