"""The tablet app's widgets and windows: the only package that imports Qt."""

from mesocheck.ui import _none_refcount

_none_refcount.apply()
