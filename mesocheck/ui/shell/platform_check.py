"""Before Qt starts: can it show a window here? Qt's answer to a missing X library or a
missing display is an abort with a page of its own text; this asks first and says it in one
line: which library is missing, and the Debian package that brings it.

The check loads Qt's X11 platform plugin the way Qt will a moment later (the dynamic loader
names the first library it cannot find), so it costs next to nothing: what it loads, Qt
would load anyway.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

_SONAME = re.compile(r"(lib[\w.+-]+?\.so(?:\.\d+)*)")


def debian_package(soname: str) -> str:
    """``libxcb-cursor.so.0`` -> ``libxcb-cursor0``; ``libxkbcommon-x11.so.0`` ->
    ``libxkbcommon-x11-0`` (Debian's rule: a hyphen before the version after a digit)."""
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def _xcb_plugin() -> Path | None:
    from PySide6.QtCore import QLibraryInfo

    folders = [Path(p) for p in os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(
        os.pathsep) if p]
    folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms")
    for folder in folders:
        plugin = folder / "libqxcb.so"
        if plugin.exists():
            return plugin
    return None


def platform_problem() -> str | None:
    """A sentence saying why Qt's X11 platform cannot start here, or None when it can (or
    another platform is asked for: offscreen, Wayland, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    asked = os.environ.get("QT_QPA_PLATFORM", "")
    if asked and not asked.startswith("xcb"):
        return None
    if not asked and os.environ.get("WAYLAND_DISPLAY"):
        return None  # Qt picks Wayland where it can
    if not os.environ.get("DISPLAY"):
        return ("there is no screen to show the app on (DISPLAY is not set): start it "
                "from the tablet's desktop session")
    plugin = _xcb_plugin()
    if plugin is None:
        return None  # Qt says what it lacks itself
    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
    except OSError as error:
        found = _SONAME.search(str(error))
        missing = found.group(1) if found else "a library"
        hint = f" (Debian: apt-get install {debian_package(missing)})" if found and \
            missing.startswith(("libxcb", "libxkb", "libX", "libGL", "libEGL")) else ""
        return (f"Qt's X11 platform needs {missing}, which is not installed{hint}; the "
                "README's \"Run it\" lists what a fresh machine needs")
    return None
