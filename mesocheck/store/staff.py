"""Staff accounts: scrypt PIN hashes, the rules a new PIN meets, and a lock-out that
survives restarts.

A PIN has few digits, so the KDF's cost is what protects a hash read from a stolen
database (itself encrypted at rest): scrypt at the OWASP-recommended N=2**17, r=8, p=1
(about 0.3 s and 128 MiB per check). A new PIN has at least 6 digits (the clinic's setting
``pin_min_length``, 4 to 12) and is none of the ones anybody tries first (repeated digits,
runs like 123456 or 987654, a repeated pair or triple, and the commonest others). A PIN set
under older rules (4 digits) still signs in, and its owner is asked for a new one then
(:attr:`PinCheck.weak`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import datetime, timedelta

from mesocheck.forms.validation import check_name
from mesocheck.i18n import _
from mesocheck.store.audit import staff_of
from mesocheck.store.db import InvalidName, InvalidPin, InvalidState, NotFound, translated
from mesocheck.store.records import ROLES, PinCheck, StaffMember
from mesocheck.timeutil import from_iso, to_iso

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PIN_LENGTH, MAX_PIN_LENGTH = 6, 12
_PIN = re.compile(r"[0-9]{4,12}")  # what a PIN of any age is: older ones had 4 digits
# The commonest PINs that no rule below catches (published analyses of leaked PIN lists:
# dates, keypad shapes, doubled digits).
COMMON_PINS = frozenset({
    "1004", "2000", "2001", "1122", "1010", "2580", "1998", "1999", "1990",
    "112233", "111222", "100200", "102030", "123321", "123654", "147258", "147852",
    "159753", "159357", "258369", "258456", "369258", "456789", "520520", "789456",
    "142536", "110011", "121314", "246810", "135790",
    "147369", "741852", "852456", "963852", "789123", "987456", "654123", "123789",
    "321654", "456123",
})
COMMON_MESSAGE = ("That PIN is one anybody would try first (like 123456, 111111, 121212 or "
                  "a keypad pattern): choose digits that follow no pattern.")


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if n > 2**20 or r > 32 or p > 16:
        raise ValueError("scrypt parameters out of range")
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=128 * r * (n + p + 2) + 2**20)


def check_pin_format(pin: str) -> str:
    """A PIN as it can be stored or checked: 4 to 12 digits (a new one meets
    :func:`check_new_pin` too)."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise InvalidPin()
    return pin


def pin_min_length_of(value: object) -> int:
    """The shortest new PIN a clinic's ``pin_min_length`` setting asks for: 4 to 12, else
    the default."""
    if isinstance(value, int) and not isinstance(value, bool) and 4 <= value <= 12:
        return value
    return MIN_PIN_LENGTH


def pin_rule(min_length: int = MIN_PIN_LENGTH) -> str:
    return f"A PIN is {min_length} to {MAX_PIN_LENGTH} digits, nothing else."


def check_new_pin(pin: str, min_length: int = MIN_PIN_LENGTH) -> str:
    """A PIN a staff member may choose now: long enough, and no easy guess."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin) or len(pin) < min_length:
        raise InvalidPin(pin_rule(min_length))
    if is_common(pin):
        raise InvalidPin(COMMON_MESSAGE)
    return pin


def is_common(pin: str) -> bool:
    """Repeated digits, a run up or down (0 after 9 too), a pair or triple repeated, or
    one of :data:`COMMON_PINS`."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps <= {0} or steps == {1} or steps == {9}:
        return True
    if any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
           for size in (2, 3)):
        return True
    return pin in COMMON_PINS


def hash_pin(pin: str) -> str:
    """``scrypt$N$r$p$salt_b64$hash_b64``: self-describing, so the cost can rise later."""
    check_pin_format(pin)
    salt = os.urandom(16)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(pin, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def _outdated(stored: str) -> bool:
    return stored.split("$")[1:4] != [str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


def _member(row: tuple) -> StaffMember:
    return StaffMember(row[0], row[1], row[2], bool(row[3]), from_iso(row[4]),
                       from_iso(row[5]) if row[5] else None)


class StaffAccounts:
    """Mixed into Store (needs ``transaction``, ``clock``, ``_conn``).

    Managing accounts (adding, a new PIN, unlocking, deactivating) is for the system (the
    command line, the first practitioner's set-up) or an active practitioner: another actor
    is refused (:func:`require_administrator`), inside the transaction that writes."""

    def pin_min_length(self) -> int:
        """The clinic's shortest new PIN (``pin_min_length``; 6 unless it chose 4 to 12)."""
        return pin_min_length_of(self.setting("pin_min_length"))

    def add_staff(self, name: str, role: str, pin: str, actor: str) -> int:
        checked = check_name(name)  # the checks a patient's name gets
        if not checked.ok:
            raise InvalidName()
        name = checked.value
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        pin_hash = hash_pin(check_new_pin(pin, self.pin_min_length()))
        with self.transaction(actor, "add_staff") as tx:
            require_administrator(tx, actor)
            return tx.insert("staff", {"name": name, "role": role, "pin_hash": pin_hash,
                                       "failed_attempts": 0, "created_at": tx.at, "active": 1})

    def change_pin(self, staff_id: int, pin: str, actor: str) -> None:
        """A new PIN (today's rules); also lifts a lock-out."""
        pin_hash = hash_pin(check_new_pin(pin, self.pin_min_length()))
        with self.transaction(actor, "change_pin") as tx:
            require_administrator(tx, actor)
            _existing(tx, staff_id)
            tx.update("staff", staff_id,
                      {"pin_hash": pin_hash, "failed_attempts": 0, "locked_until": None})

    def unlock_staff(self, staff_id: int, actor: str) -> None:
        """Lift a lock-out after too many wrong PINs (the PIN stays)."""
        with self.transaction(actor, "unlock_staff") as tx:
            require_administrator(tx, actor)
            _existing(tx, staff_id)
            tx.update("staff", staff_id, {"failed_attempts": 0, "locked_until": None})

    def set_staff_active(self, staff_id: int, active: bool, actor: str) -> None:
        """Deactivate a leaver (never deleted: the audit names them) or take them back. The
        last active practitioner stays when staff deactivate: nobody could manage the clinic
        from the tablet otherwise (the system, e.g. demo data, may)."""
        with self.transaction(actor, "activate_staff" if active else "deactivate_staff") as tx:
            require_administrator(tx, actor)
            _existing(tx, staff_id)
            if not active and actor != "system" and tx.execute(
                "SELECT count(*) FROM staff WHERE role = 'practitioner' AND active = 1 "
                "AND id != ?", (staff_id,)
            ).fetchone()[0] == 0 and tx.execute(
                "SELECT role = 'practitioner' AND active = 1 FROM staff WHERE id = ?",
                (staff_id,)
            ).fetchone()[0]:
                raise InvalidState(_("This is the only active practitioner: add another "
                                     "practitioner first, or the clinic could not be managed."))
            tx.update("staff", staff_id, {"active": int(bool(active))})

    def staff_members(self, *, include_inactive: bool = False) -> list[StaffMember]:
        where = "" if include_inactive else "WHERE active = 1"
        with translated():
            return [_member(r) for r in self._conn.execute(
                "SELECT id, name, role, active, created_at, locked_until FROM staff "
                f"{where} ORDER BY name, id")]

    def has_practitioner(self) -> bool:
        """False on first run: the app then asks for a practitioner account."""
        with translated():
            return self._conn.execute(
                "SELECT 1 FROM staff WHERE role = 'practitioner' AND active = 1 LIMIT 1"
            ).fetchone() is not None

    def check_pin(self, staff_id: int, pin: str) -> PinCheck:
        """Sign-in. Five wrong PINs in a row lock the account for 15 minutes, even against
        the right PIN; the right PIN otherwise resets the count. Every attempt is audited.
        A right PIN that today's rules would refuse is ``weak``: its owner chooses another."""
        with translated():
            row = self._conn.execute("SELECT pin_hash, locked_until FROM staff WHERE id = ?",
                                     (staff_id,)).fetchone()
        if row is None:
            raise NotFound(_("No staff account has this id."))
        now = self.clock()
        locked = _lock_end(row[1], now)
        # The slow KDF runs outside the write transaction so it never holds the lock.
        ok = locked is None and isinstance(pin, str) and pin_matches(pin, row[0])
        with self.transaction("system", "sign_in_failed") as tx:
            tx.audit_always = True
            pin_hash, attempts, locked_text, active = tx.execute(
                "SELECT pin_hash, failed_attempts, locked_until, active FROM staff "
                "WHERE id = ?", (staff_id,)
            ).fetchone()
            locked = _lock_end(locked_text, now)
            if pin_hash != row[0]:
                ok = False
            if not active or locked is not None:
                tx.action = "sign_in_refused"
                tx.record("staff", staff_id)
                return PinCheck(False, locked, 0)
            if ok:
                tx.action = "sign_in"
                changes: dict = {"failed_attempts": 0, "locked_until": None}
                if _outdated(pin_hash):
                    changes["pin_hash"] = hash_pin(pin)
                if attempts or _outdated(pin_hash):
                    tx.update("staff", staff_id, changes)
                else:
                    tx.record("staff", staff_id)
                return PinCheck(True, None, MAX_ATTEMPTS,
                                weak=_weak(pin, self.pin_min_length()))
            attempts += 1
            if attempts >= MAX_ATTEMPTS:
                until = now + LOCKOUT
                tx.action = "sign_in_locked_out"
                tx.update("staff", staff_id,
                          {"failed_attempts": 0, "locked_until": to_iso(until)})
                return PinCheck(False, until, 0)
            tx.update("staff", staff_id, {"failed_attempts": attempts})
            return PinCheck(False, None, MAX_ATTEMPTS - attempts)



def _weak(pin: str, min_length: int) -> bool:
    try:
        check_new_pin(pin, min_length)
    except InvalidPin:
        return True
    return False


def _lock_end(text: str | None, now: datetime) -> datetime | None:
    """When a lock-out in force ends; None when there is none (or it has expired)."""
    if not text:
        return None
    until = from_iso(text)
    return until if until > now else None


def require_administrator(tx, actor: str) -> None:
    """The system, or an active practitioner; anyone else is refused."""
    staff_id = staff_of(actor)
    if actor == "system":
        return
    row = None if staff_id is None else tx.execute(
        "SELECT role, active FROM staff WHERE id = ?", (staff_id,)).fetchone()
    if row is None or row[0] != "practitioner" or not row[1]:
        raise InvalidState(_("Only a practitioner can manage staff and the clinic's settings."))


def _existing(tx, staff_id: int) -> None:
    if tx.execute("SELECT 1 FROM staff WHERE id = ?", (staff_id,)).fetchone() is None:
        raise NotFound(_("No staff account has this id."))
