"""Clinic-wide row ids.

A device (a tablet, or a clinic's hub) numbers its own rows 1, 2, 3, ... as a lone tablet
always has, and those numbers are kept: they are in the device's audit chain, whose
hashes cover them. On the hub, and in every other device's copy, the row is known by
``device number * 2^40 + its own number``; a device's number is clinic-wide and unique
across a group of clinics (``site * 4096 + n``, the hub being ``n = 4095``), so no two
rows anywhere share an id. A device keeps rows copied from the hub under their
clinic-wide ids, which are all at or above 2^40 (its own stay below:
``store.dialect.Dialect.insert``).

Plain arithmetic, imported from every layer (what binds an intake's rows by id, in
``forms.outcome``, reads them in the form their tablet gives them: :func:`origin_form`);
the hub's per-table mapping is ``mesocheck.hub.ids``.
"""

from __future__ import annotations

from typing import Callable

LOCAL_BITS = 40
LOCAL_ID_LIMIT = 1 << LOCAL_BITS
SITE_SHIFT = 12  # devices per site: 4096, the hub being the last
MAX_SITE = (1 << (63 - LOCAL_BITS - SITE_SHIFT)) - 1  # 2047 sites in a group
MAX_DEVICE = (1 << SITE_SHIFT) - 1


def hub_device(site: int) -> int:
    """The hub's own number: its site's last, so that its rows sort after the tablets'
    (an intake's rows are a tablet's, then what the hub adds in review: in id order, in
    the order they were made, on the hub and on the tablet alike)."""
    return site << SITE_SHIFT | MAX_DEVICE


def site_base(device: int) -> int:
    """The number before a site's first device (tablets are ``site_base + 1, 2, ...``)."""
    return device & ~MAX_DEVICE


def is_hub(device: int) -> bool:
    return device & MAX_DEVICE == MAX_DEVICE


def global_id(device: int, value: int) -> int:
    """A row id as the hub knows it, from the id device ``device`` stores it under."""
    if is_hub(device) or value >= LOCAL_ID_LIMIT:
        return value
    return device << LOCAL_BITS | value


def local_id(device: int, value: int) -> int:
    """A clinic-wide id as device ``device`` stores it."""
    if not is_hub(device) and value >> LOCAL_BITS == device:
        return value & (LOCAL_ID_LIMIT - 1)
    return value


def owner(value: int) -> int:
    """The device that made the row with this clinic-wide id."""
    return value >> LOCAL_BITS


def origin_form(anchor: int | None) -> Callable[[int | None], int | None]:
    """Ids as the device that made the row ``anchor`` numbers them (an intake's patient
    row: its tablet): on a tablet its own ids stay as they are; on the hub a tablet's rows
    get back the tablet's numbers, and rows made elsewhere keep their clinic-wide ids,
    which the tablet's copies have too. So what binds an intake's rows by id reads the
    same on the tablet and on the hub."""
    if anchor is None or anchor < LOCAL_ID_LIMIT:
        return lambda value: value
    device = owner(anchor)
    return lambda value: None if value is None else local_id(device, value)
