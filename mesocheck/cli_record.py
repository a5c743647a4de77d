"""The admin commands of the record others can check: ``seal`` (set up, show, publish the
certificate, seal what waits), ``check-pdf`` and ``fhir push``; and the clinic passphrase
for the commands that store documents (``--passphrase-file``, else asked on the terminal).

Their parsers join ``mesocheck``'s through :func:`add_commands`; their handlers through
:data:`HANDLERS`.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mesocheck.errors import MesocheckError
from mesocheck.i18n import _, ngettext

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_PROBLEMS = 0, 1


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("seal", parents=[common],
                            help=_("the clinic's seal: set up, show, seal what waits"))
    seal = p.add_subparsers(dest="seal_command", metavar="ACTION", required=True)
    setup = seal.add_parser("setup", parents=[common],
                            help=_("make a self-signed clinic certificate, or import one"))
    setup.add_argument("--import", dest="import_file", type=Path, metavar="FILE.p12",
                       help=_("a PKCS#12 bundle (.p12/.pfx) from a certificate authority"))
    setup.add_argument("--import-password-file", type=Path, metavar="FILE",
                       help=_("file whose first line is the PKCS#12 bundle's password"))
    setup.add_argument("--name", help=_("the clinic's name in a self-signed certificate "
                                        "(default: the clinic name in the settings)"))
    setup.add_argument("--tsa", metavar="URL",
                       help=_("a time-stamping authority (RFC 3161) to timestamp every seal"))
    setup.add_argument("--tsa-certificate", type=Path, metavar="FILE",
                       help=_("the authority's root certificate (PEM), if this computer "
                              "does not already trust it"))
    from mesocheck.cli_keys import plain_option

    plain_option(setup)
    seal.add_parser("show", parents=[common], help=_("the seal's certificate and documents"))
    cert = seal.add_parser("certificate", parents=[common],
                           help=_("write the clinic's certificate (to publish it)"))
    cert.add_argument("-o", "--output", type=Path, required=True)
    seal.add_parser("upgrade", parents=[common],
                    help=_("seal documents stored unsealed; add timestamps"))

    p = commands.add_parser("check-pdf", help=_("check a consent PDF's seal (no database)"))
    p.add_argument("file", type=Path)
    p.add_argument("--certificate", type=Path, metavar="FILE",
                   help=_("the clinic's published certificate (PEM or DER) to check against"))
    p.add_argument("--trust", type=Path, action="append", default=[], metavar="FILE",
                   help=_("another root certificate to trust for timestamps"))

    p = commands.add_parser("fhir", parents=[common], help=_("hand intakes to a FHIR server"))
    fhir = p.add_subparsers(dest="fhir_command", metavar="ACTION", required=True)
    push = fhir.add_parser("push", parents=[common],
                           help=_("send each new or changed signed intake as a Bundle"))
    push.add_argument("--server", required=True, metavar="URL",
                      help=_("the FHIR R4 server's base URL"))
    push.add_argument("--token-file", type=Path, metavar="FILE",
                      help=_("file whose first line is the server's bearer token"))
    push.add_argument("--timeout", type=float, default=30.0, help=_("seconds per request"))


def unlock_if_set_up(store: Any, args: argparse.Namespace) -> bool:
    """Unlock the clinic's seal in this process if one is set up (the passphrase from
    ``--passphrase-file`` or the terminal). Returns whether one is set up."""
    if store.current_seal() is None:
        return False
    from mesocheck.cli_keys import passphrase
    from mesocheck.documents.certificate import unlock

    unlock(store, passphrase(args))
    return True


# -- seal ------------------------------------------------------------------------------------------


def _seal(args: argparse.Namespace) -> int:
    return {"setup": _seal_setup, "show": _seal_show, "certificate": _seal_certificate,
            "upgrade": _seal_upgrade}[args.seal_command](args)


def _open(args: argparse.Namespace, create: bool = False):
    from mesocheck.cli import _open_store

    return _open_store(args, create=create)


def _seal_setup(args: argparse.Namespace) -> int:
    from mesocheck.cli_keys import passphrase as clinic_passphrase
    from mesocheck.documents import certificate as cert
    from mesocheck.keys import read_passphrase_file
    from mesocheck.store import atrest

    now = datetime.now(timezone.utc)
    store = _open(args, create=True)
    try:
        existing = store.current_seal()
        if args.import_file is not None:
            data = _read(args.import_file)
            password = read_passphrase_file(args.import_password_file) \
                if args.import_password_file else _ask_import_password(args.import_file)
            key, chain = cert.read_pkcs12(data, password, str(args.import_file))
            source = str(args.import_file)
        else:
            name = (args.name or store.settings().get("clinic_name") or "").strip()
            if not name:
                raise MesocheckError(_("give the clinic's name with --name (it is written "
                                       "into the certificate); nothing was changed"))
            key, chain, source = None, None, "the new certificate"  # the audit log's words
        tsa_trust = _read(args.tsa_certificate).decode("ascii", "replace") \
            if args.tsa_certificate else None
        if tsa_trust is not None:
            _check_pem(tsa_trust, args.tsa_certificate)
        # One clinic passphrase: a new seal takes the database's (checked when it was
        # unlocked) or an earlier seal's.
        encrypted = atrest.is_encrypted(store.path)
        passphrase = clinic_passphrase(args, new=existing is None and not encrypted)
        if existing is not None:
            cert.unwrapped_key(store, existing, passphrase)
        elif encrypted:
            atrest.unlock(store.path, passphrase)
        if key is None:
            key, chain = cert.make_self_signed(name, now)
        record = cert.store_seal(store, key, chain, passphrase, now=now, source=source)
        changes: dict[str, Any] = {}
        if args.tsa is not None:
            changes["seal_tsa_url"] = args.tsa.strip() or None
        if tsa_trust is not None:
            changes["seal_tsa_trust"] = tsa_trust
        if changes:
            store.set_settings(changes, "system")
        waiting = len(store.documents_to_seal())
    finally:
        store.close()
    from mesocheck.documents.check import fingerprint_words

    print(_("clinic seal set up: {subject}, certificate {fingerprint}, valid until "
            "{date}").format(subject=record.subject,
                             fingerprint=fingerprint_words(record.fingerprint),
                             date=f"{record.not_after:%Y-%m-%d}"))
    print(_("publish the certificate (mesocheck seal certificate -o clinic.pem) so others can "
            "check the clinic's PDFs against it"))
    if waiting:
        print(ngettext("{n} stored document is not sealed yet: `mesocheck seal upgrade` "
                       "seals them",
                       "{n} stored documents are not sealed yet: `mesocheck seal upgrade` "
                       "seals them", waiting).format(n=waiting))
    return EXIT_OK


def _ask_import_password(path: Path) -> str | None:
    if sys.stdin is None or not sys.stdin.isatty():
        return None  # try the bundle without a password
    import getpass

    return getpass.getpass(_("Password of {name} (empty if none): ").format(
        name=path.name)) or None


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise MesocheckError(_("{path} does not exist").format(path=path)) from None
    except IsADirectoryError:
        raise MesocheckError(_("{path} is a folder, not a file").format(path=path)) from None
    except OSError as exc:
        raise MesocheckError(_("{path} cannot be read ({reason})").format(
            path=path, reason=exc.strerror or _("error"))) from None


def _check_pem(text: str, path: Path) -> None:
    from mesocheck.documents.certificate import certificates_of

    try:
        certificates_of(text)
    except (ValueError, TypeError):
        raise MesocheckError(_("{path} is not a certificate (PEM); nothing was "
                               "changed").format(path=path)) from None


def _seal_show(args: argparse.Namespace) -> int:
    from mesocheck.documents.check import fingerprint_words

    store = _open(args)
    try:
        seals, settings, levels = store.seals(), store.settings(), store.seal_levels()
    finally:
        store.close()
    if not seals:
        print(_("no clinic seal is set up: `mesocheck seal setup` makes one"))
        return EXIT_OK
    now = datetime.now(timezone.utc)
    seen: set[str] = set()  # a passphrase change stores the same certificate again
    seals = [s for s in seals if not (s.fingerprint in seen or seen.add(s.fingerprint))]
    for n, seal in enumerate(seals):
        when = (_("expired {start} to {end}") if seal.not_after <= now else
                _("valid {start} to {end}")).format(start=f"{seal.not_before:%Y-%m-%d}",
                                                    end=f"{seal.not_after:%Y-%m-%d}")
        print((_("current: {subject}, {fingerprint}, {when}") if n == 0 else
               _("earlier: {subject}, {fingerprint}, {when}")).format(
            subject=seal.subject, fingerprint=fingerprint_words(seal.fingerprint), when=when))
    print(_("time-stamping authority: {url}").format(
        url=settings.get("seal_tsa_url") or _("none (seals are B-B)")))
    for level, count in levels.items():
        print(_("documents (each intake's newest record and patient's copy) {level}: "
                "{n}").format(level=level or _("not sealed"), n=count))
    return EXIT_OK


def _seal_certificate(args: argparse.Namespace) -> int:
    from mesocheck.fileio import write_atomic

    store = _open(args)
    try:
        seal = store.current_seal()
    finally:
        store.close()
    if seal is None:
        raise MesocheckError(_("no clinic seal is set up: `mesocheck seal setup` makes one"))
    write_atomic(args.output, seal.certificate.encode("ascii"))
    print(_("wrote the clinic's certificate to {file}").format(file=args.output))
    return EXIT_OK


def _seal_upgrade(args: argparse.Namespace) -> int:
    from mesocheck.documents.archive import seal_pending

    store = _open(args)
    try:
        store.check_quickly()
        if store.current_seal() is None:
            raise MesocheckError(_("no clinic seal is set up: `mesocheck seal setup` makes "
                                   "one"))
        if store.documents_to_seal():
            unlock_if_set_up(store, args)
        report = seal_pending(store, progress=_progress)
    finally:
        store.close()
    print(_("sealed {sealed}, timestamps added to {upgraded}").format(
        sealed=report.sealed, upgraded=report.upgraded))
    if report.to_upgrade:
        print(ngettext("{n} document is sealed without a timestamp (B-B)",
                       "{n} documents are sealed without a timestamp (B-B)",
                       report.to_upgrade).format(n=report.to_upgrade))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return EXIT_PROBLEMS if report.problems else EXIT_OK


# -- check-pdf -------------------------------------------------------------------------------------


def _check_pdf(args: argparse.Namespace) -> int:
    from mesocheck.documents.certificate import certificates_of
    from mesocheck.documents.check import check_pdf

    data = _read(args.file)
    clinic = _certificates(args.certificate, certificates_of) if args.certificate else []
    trust = [c for path in args.trust for c in _certificates(path, certificates_of)]
    result = check_pdf(data, clinic=clinic, trust=trust)
    for line in describe(result, args.file, pinned=bool(clinic)):
        print(line)
    if result.ok:
        print(_("ok: sealed by the clinic, and nothing was changed after"))
        return EXIT_OK
    for problem in result.problems:
        print(_("problem: {problem}").format(problem=problem), file=sys.stderr)
    count = len(result.problems)
    print(ngettext("{file}: {n} problem found: do not rely on this file; ask the clinic for "
                   "its copy",
                   "{file}: {n} problems found: do not rely on this file; ask the clinic for "
                   "its copy", count).format(file=args.file, n=count), file=sys.stderr)
    return EXIT_PROBLEMS


def _certificates(path: Path, parse: Callable[[str], list]) -> list:
    data = _read(path)
    try:
        return parse(data.decode("ascii") if data.lstrip().startswith(b"-----") else data)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise MesocheckError(_("{path} is not a certificate (PEM or DER)").format(
            path=path)) from None


def describe(result: Any, path: Path, *, pinned: bool) -> list[str]:
    """check-pdf's report in words, one line per fact."""
    from mesocheck.documents.check import fingerprint_words

    if not result.readable:
        return [_("{path}: not a readable PDF").format(path=path)]
    lines = [ngettext("{path}: {n} revision", "{path}: {n} revisions", result.revisions).format(
        path=path, n=result.revisions)
             + (f", {result.archival}" if result.archival else "")
             + (", " + _("with its record attached as FHIR (intake.fhir.json)")
                if result.record_attached else "")]
    if result.intake:
        form = ", " + _("form {form}").format(form=result.form) if result.form else ""
        content = " " + _("(content {hash}\u2026)").format(hash=result.form_hash[:16]) \
            if result.form_hash else ""
        lines.append(_("records intake {intake}").format(intake=result.intake) + form + content)
    for s in result.signatures:
        when = f"{s.when:%Y-%m-%d %H:%M:%S %Z}".strip() if s.when else _("an unknown time")
        who = f"{s.signer} ({s.issuer}, {fingerprint_words(s.fingerprint)})"
        lines.append(_("signature {number}: {role}").format(number=s.number, role=s.role)
                     + (" " + _("by {name}").format(name=s.signer_name) if s.signer_name
                        else "")
                     + ", " + _("made with the certificate of {who}").format(who=who))
        stamp = _("timestamped {when}").format(when=s.timestamp) if s.timestamp else \
            _("no timestamp: the time is the signer's own clock")
        lines.append("  " + _("at {when}; {stamp}").format(when=when, stamp=stamp))
        state = _("intact") if s.intact else _("BROKEN")
        lines.append("  " + _("{state}; covers {covers}").format(state=state, covers=s.covers))
    if result.level:
        lines.append(_("PAdES level: {level}").format(level=result.level))
    if result.signatures and not pinned:
        lines.append(_("the certificate was not compared with the clinic's published one: "
                       "give it with --certificate FILE, or compare the fingerprint above"))
    return lines


# -- fhir ------------------------------------------------------------------------------------------


def _fhir(args: argparse.Namespace) -> int:
    from mesocheck.fhir.push import normalised, push
    from mesocheck.keys import read_passphrase_file

    server = normalised(args.server)
    token = read_passphrase_file(args.token_file) if args.token_file else None
    store = _open(args)
    try:
        store.check_quickly()
        report = push(store, server, token=token, timeout_s=args.timeout, progress=_progress)
    finally:
        store.close()
    print(ngettext("sent {n} intake to {server}; {unchanged} unchanged since last sent",
                   "sent {n} intakes to {server}; {unchanged} unchanged since last sent",
                   report.sent).format(n=report.sent, server=server,
                                       unchanged=report.unchanged))
    if report.waiting_for_seal:
        print(ngettext("{n} waits for its seal (unlock it, or `mesocheck seal upgrade`)",
                       "{n} wait for their seal (unlock it, or `mesocheck seal upgrade`)",
                       report.waiting_for_seal).format(n=report.waiting_for_seal))
    for failure in report.failures:
        print(failure, file=sys.stderr)
    return EXIT_PROBLEMS if report.failures else EXIT_OK


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "seal": _seal,
    "check-pdf": _check_pdf,
    "fhir": _fhir,
}
