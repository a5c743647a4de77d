"""Work around a binding bug that would crash the app after a few thousand Qt calls.

The PySide6 6.12 stable-ABI wheels return ``None``, ``True`` and ``False`` from C++ without
taking a reference (harmless on Python 3.12+, where those objects are immortal). On Python
3.11 every Qt call that returns nothing or a null object takes one reference from ``None``,
and every signal ``emit()`` one from ``True``; when a count reaches zero the interpreter
aborts ("deallocating None"). The fix: when the leak is detected, give those three objects a
reference count that no run of the app can use up, which is what Python 3.12 does anyway.
"""

from __future__ import annotations

import sys

_APPLIED = False
_FOREVER = 1 << 60


def _leaks() -> bool:
    from PySide6.QtCore import QPointF

    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(8):
        point.setX(0.0)
    return sys.getrefcount(None) < before


def apply() -> bool:
    """Make None, True and False effectively immortal if (and only if) Qt leaks them."""
    global _APPLIED
    if _APPLIED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _APPLIED
    if not _leaks():
        return False
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _FOREVER
    _APPLIED = True
    return True
