"""``mesocheck``: with no command, the tablet app; with one, an admin task.

Every failure a person can cause or fix ends as one plain line on stderr and a non-zero exit;
a bug ends as a one-line apology naming the log file that holds the traceback.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Callable, Sequence

from mesocheck import __version__
from mesocheck.errors import MesocheckError
from mesocheck.i18n import _, ngettext
from mesocheck.paths import default_db_path

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from mesocheck import cli_hub, cli_keys, cli_record

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS,
        help=_("database file (default: mesocheck.sqlite3 in the user data folder)"),
    )
    cli_keys.add_options(common)  # --passphrase-file: every command, and the app
    common.add_argument("--hub", default=argparse.SUPPRESS, metavar="URL",
                        help=_("{hub}; the command works on the hub's record (the app: the "
                               "practitioner's station)").format(hub=_(cli_hub.HUB_HELP)))
    parser = argparse.ArgumentParser(
        prog="mesocheck",
        description=_("Mesotherapy preparation checklist and consent. "
                      "Without a command, opens the tablet app."),
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"mesocheck {__version__}")
    parser.add_argument(
        "--window", nargs="?", const="1280x800", type=_window_size, metavar="WIDTHxHEIGHT",
        help=_("the app in a window (default 1280x800) instead of filling the screen"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("check-form", parents=[common], help=_("validate a form file"))
    p.add_argument("file", type=Path)

    p = commands.add_parser("demo", parents=[common], help=_("create synthetic intakes"))
    p.add_argument("--count", type=_positive_int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-pdf", action="store_true", help=_("skip building consent PDFs"))
    cli_keys.plain_option(p)

    p = commands.add_parser("export", parents=[common],
                            help=_("export intakes as JSON, CSV or FHIR R4 Bundles"))
    p.add_argument("--format", choices=("json", "csv", "fhir"), default="json",
                   help=_("fhir: one transaction Bundle per signed intake, one per line"))
    p.add_argument("--flagged", action="store_true", help=_("only intakes with flags"))
    p.add_argument("-o", "--output", type=Path, help=_("file to write (default: standard output)"))

    p = commands.add_parser("pdf", parents=[common], help=_("write an intake's consent PDF"))
    p.add_argument("intake_id")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--copy", choices=("clinic", "patient"), default="clinic",
                   help=_("the clinic's record (default) or the patient's copy"))

    p = commands.add_parser("verify", parents=[common],
                            help=_("check integrity, the audit chain and every document"))
    p.add_argument("--against", type=Path, action="append", default=[], metavar="FILE",
                   help=_("a backup or a consent PDF: check that the database still holds "
                          "the audit log that copy saw (may be given more than once)"))

    commands.add_parser("rebuild-pdfs", parents=[common],
                        help=_("make the consent PDF of every signed intake that has none"))

    p = commands.add_parser("backup", parents=[common], help=_("online, verified backup"))
    p.add_argument("dest", type=Path)

    p = commands.add_parser("staff", parents=[common], help=_("manage staff"))
    staff = p.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = staff.add_parser("add", parents=[common], help=_("add a staff member (asks for a PIN)"))
    add.add_argument("name")
    add.add_argument("--role", choices=("practitioner", "front-desk"), required=True)
    cli_keys.plain_option(add)
    cli_record.add_commands(commands, common)
    cli_keys.add_commands(commands, common)
    cli_hub.add_commands(commands, common)
    return parser


def _window_size(text: str) -> tuple[int, int]:
    import argparse

    width, __, height = text.lower().partition("x")
    try:
        size = int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a size such as 1280x800").format(text=repr(text))) from None
    if not all(320 <= n <= 10_000 for n in size):
        raise argparse.ArgumentTypeError(_("each side must be between 320 and 10000 pixels"))
    return size


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv:  # a command speaks the environment's language; the app, the clinic's setting
        from mesocheck.i18n import environment_language, set_clinic_language

        set_clinic_language(environment_language())
    if any(_undecodable(arg) for arg in argv):
        _say("mesocheck: " + _("an argument holds bytes that are not UTF-8 text (a name or a "
                               "path typed in another encoding); retype it, or rename the "
                               "file it names"))
        return EXIT_USAGE
    # The tablet starts the app with no arguments: then there is nothing to parse, and
    # argparse and the commands' options (~8 ms) stay out of its start-up.
    args = build_parser().parse_args(argv) if argv else SimpleNamespace(command=None)
    handler: Callable[[argparse.Namespace], int] = HANDLERS.get(args.command, _run_app)
    try:
        return handler(args)
    except MesocheckError as exc:
        _say(f"mesocheck: {exc.message}")
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        _say("mesocheck: " + _("interrupted"))
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: the traceback goes to the log, not to the screen
        from mesocheck.logs import log_bug

        log = log_bug(exc, f"command {args.command or 'app'}")
        where = " " + _("Details were written to {log}.").format(log=log) if log else ""
        _say("mesocheck: " + _("sorry, something went wrong that should not have.") + where)
        return EXIT_BUG


def _undecodable(arg: str) -> bool:
    """Python hands bytes of argv that are not UTF-8 over as lone surrogates, which no
    name, id or message can hold."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def _db(args: argparse.Namespace) -> Path:
    """The database path, looked up only by commands that use one."""
    return getattr(args, "db", None) or default_db_path()


def _open_store(args: argparse.Namespace, create: bool = True):
    """The store a command works on: the hub's with ``--hub`` (and no ``--db``), else the
    database file's (unlocked with the clinic passphrase where it is encrypted)."""
    if getattr(args, "hub", None) and getattr(args, "db", None) is None:
        from mesocheck.hub.store import HubStore

        return HubStore.open(args.hub)
    from mesocheck import cli_keys

    return cli_keys.open_store(args, _db(args), create=create)


def _run_app(args: argparse.Namespace) -> int:
    from mesocheck.i18n import environment_language, set_clinic_language

    # The computer's language until the clinic's setting is read (the unlock screen, a
    # database that cannot be opened).
    set_clinic_language(environment_language())
    # The app collects garbage on its own schedule, on its UI thread (mesocheck/ui/gc_guard);
    # switched off from here, the start-up's imports are not scanned again and again.
    gc.disable()
    # The plain-Python parts are imported before Qt: once PySide6 is loaded it reads the
    # source of every module imported after it, looking for its opt-in features.
    import mesocheck.session  # noqa: F401
    import mesocheck.store  # noqa: F401
    from mesocheck.logs import setup_logging

    setup_logging()
    from mesocheck import cli_keys

    if cli_keys.passphrase_file(args) is not None and _db(args).exists():
        from mesocheck import cli_record  # unlocked from the start: the database, the seal

        store = _open_store(args, create=False)
        try:
            cli_record.unlock_if_set_up(store, args)
        finally:
            store.close()
    try:
        from mesocheck.ui.shell.app import run
    except ImportError as exc:
        raise MesocheckError(
            _("the tablet app cannot start: a part of Qt is missing ({name}); "
              "reinstall mesocheck").format(name=exc.name)
        ) from None
    window = getattr(args, "window", None)
    if getattr(args, "hub", None):
        return run(None, hub=args.hub, window_size=window)  # the practitioner's station
    return run(_db(args), window_size=window)


def _check_form(args: argparse.Namespace) -> int:
    from mesocheck.forms import check_form

    problems = check_form(args.file)
    if not problems:
        print(_("{file}: ok").format(file=args.file))
        return EXIT_OK
    for problem in problems:
        print(problem, file=sys.stderr)
    _say(problems_found(len(problems)))
    return EXIT_PROBLEMS


def problems_found(count: int) -> str:
    return ngettext("{n} problem found", "{n} problems found", count).format(n=count)


def _demo(args: argparse.Namespace) -> int:
    from mesocheck.demo import create_demo_intakes

    store = _open_store(args)
    try:
        store.check_quickly()  # never add rows beside damage
        if not args.no_pdf:
            from mesocheck import cli_record

            cli_record.unlock_if_set_up(store, args)  # documents are sealed as they are made
        made = create_demo_intakes(store, args.count, seed=args.seed, with_pdf=not args.no_pdf,
                                   progress=_progress)
    finally:
        store.close()
    print(ngettext("created {n} demo intake in {db}", "created {n} demo intakes in {db}",
                   made).format(n=made, db=_db(args)))
    return EXIT_OK


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from mesocheck.export import write_export

    store = _open_store(args, create=False)
    try:
        store.check_quickly()  # an export must not end short at a damaged page
        count = write_export(store, args.format, args.output, flagged_only=args.flagged,
                             on_problem=lambda line: print(line, file=sys.stderr))
    finally:
        store.close()
    if args.output:  # the one copy that leaves encryption behind: say so, and where it is
        _say(ngettext("exported {n} intake to {file}: that file is not encrypted (it holds "
                      "patients' data in clear); keep it safe and delete it when done",
                      "exported {n} intakes to {file}: that file is not encrypted (it holds "
                      "patients' data in clear); keep it safe and delete it when done",
                      count).format(n=count, file=args.output))
    return EXIT_OK


def _pdf(args: argparse.Namespace) -> int:
    from mesocheck.store.records import CONSENT_KINDS, PATIENT_COPY

    patient = getattr(args, "copy", "clinic") == "patient"
    store = _open_store(args, create=False)
    try:
        document = store.latest_document(args.intake_id,
                                         kinds=(PATIENT_COPY,) if patient else CONSENT_KINDS)
        if document is None:
            raise MesocheckError(
                (_("intake {id} has no patient copy yet") if patient else
                 _("intake {id} has no consent PDF yet")).format(id=args.intake_id))
        data = store.document_bytes(document.id)
    finally:
        store.close()
    from mesocheck.fileio import write_atomic

    write_atomic(args.output, data, database=store.path)
    _say(_("wrote {file}").format(file=args.output))
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from mesocheck.documents.verify_seals import check_seals, summary
    from mesocheck.store import witness

    if getattr(args, "hub", None):
        from mesocheck import cli_hub

        return cli_hub.verify(args)
    from mesocheck import cli_keys

    db = _db(args)
    encrypted = cli_keys.unlock(args, db)  # a backup is read with the same key
    copies = [witness.copy_witness(path, db) for path in args.against]  # before any connection
    store = _open_store(args, create=False)
    seals = None
    try:
        problems = store.verify(copies)
        if not any(p.kind == "integrity" for p in problems):
            seals = check_seals(store)
            problems += seals.problems
        unmade = 0 if problems else len(store.signed_without_document())
        head = witness.head_file_witness(db)
    finally:
        store.close()
    if not problems:
        seen = [_("the newest audit rows are as {source} saw them").format(source=w.source)
                for w in [head, *copies] if w]
        if head is None:
            seen.insert(0, _("no readable head file {name} to check the newest audit rows "
                             "against").format(name=witness.head_file(db).name))
        print(_("{db}: ok (integrity, audit chain and documents all hold; {seen})").format(
            db=db, seen="; ".join(seen)))
        print(cli_keys.at_rest(db) if encrypted else _(
            "not encrypted: `mesocheck encrypt` encrypts it (a stolen copy of this file can "
            "be read)"))
        if seals is not None and (line := summary(seals)):
            print(line)
        if unmade:
            print(ngettext("note: {n} signed intake has no consent PDF yet; `mesocheck "
                           "rebuild-pdfs` makes them",
                           "note: {n} signed intakes have no consent PDF yet; `mesocheck "
                           "rebuild-pdfs` makes them", unmade).format(n=unmade))
        return EXIT_OK
    for problem in problems:
        print(problem, file=sys.stderr)
    count = problems_found(len(problems))
    if any(p.kind == "integrity" for p in problems):
        advice = _("the file is damaged: stop using it and restore the latest copy made "
                   "with `mesocheck backup`")
    else:
        advice = _("records were changed outside mesocheck: keep this file as it is for "
                   "investigation and compare it with the latest copy made with "
                   "`mesocheck backup`")
        if head is not None and any(head.source in p.detail for p in problems):
            advice += " " + _("(if the file was put back from an older copy on purpose, move "
                              "{name} aside)").format(name=witness.head_file(db).name)
    _say(f"{count}; {advice}")
    return EXIT_PROBLEMS


def _rebuild_pdfs(args: argparse.Namespace) -> int:
    """What a crash between signing and storing the PDF left: made now, as the tablet app
    does at its start."""
    from mesocheck.session import rebuild_missing_consent_pdfs

    store = _open_store(args, create=False)
    refused: list[str] = []
    try:
        store.check_quickly()  # never add rows beside damage
        if store.signed_without_document():
            from mesocheck import cli_record

            cli_record.unlock_if_set_up(store, args)  # sealed as they are made
        made = len(rebuild_missing_consent_pdfs(
            store, progress=_progress,
            on_refused=lambda intake_id, why: refused.append(
                _("intake {id}: {why}").format(id=intake_id, why=why))))
    finally:
        store.close()
    for line in refused:
        print(line, file=sys.stderr)
    print(ngettext("made {n} missing consent PDF", "made {n} missing consent PDFs",
                   made).format(n=made))
    if refused:
        _say(ngettext("{n} could not be made; see above", "{n} could not be made; see above",
                      len(refused)).format(n=len(refused)))
        return EXIT_PROBLEMS
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from mesocheck.store import witness

    if getattr(args, "hub", None) and getattr(args, "db", None) is None:
        store = _open_store(args, create=False)
        try:
            store.backup(args.dest)
        finally:
            store.close()
        print(_("backed up the hub {hub} to {dest} (pg_dump's custom format: restore with "
                "pg_restore into an empty database)").format(hub=store.where, dest=args.dest))
        return EXIT_OK
    store = _open_store(args, create=False)
    try:
        store.backup(args.dest)
    finally:
        store.close()
    head = witness.copy_witness(args.dest, _db(args)).head
    print(_("backed up to {dest} (verified; its audit log ends at row {row}, {digest}: "
            "`mesocheck verify --against` the copy later checks that the database still "
            "holds it)").format(dest=args.dest, row=head.audit_id,
                                digest=head.digest.hex()[:16]))
    return EXIT_OK


def _staff(args: argparse.Namespace) -> int:
    pin = _ask_pin()
    store = _open_store(args)
    try:
        staff_id = store.add_staff(args.name, args.role, pin, actor="system")
    finally:
        store.close()
    print(_("added staff member #{id} ({role})").format(id=staff_id, role=args.role))
    return EXIT_OK


def _ask_pin() -> str:
    if not sys.stdin.isatty():
        # Scripts and tests pipe the PIN twice, one per line.
        lines = sys.stdin.read().splitlines()
        first, second = (lines + ["", ""])[:2]
    else:
        import getpass

        first = getpass.getpass(_("PIN (6 to 12 digits, no easy guess like 123456): "))
        second = getpass.getpass(_("PIN again: "))
    if first != second:
        raise MesocheckError(_("the two PINs differ; nothing was saved"))
    return first


def _record_command(name: str) -> Callable[[argparse.Namespace], int]:
    """A handler of ``cli_record``, imported when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        from mesocheck import cli_record

        return cli_record.HANDLERS[name](args)

    return handler


def _keys_command(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from mesocheck import cli_keys

        return cli_keys.HANDLERS[name](args)

    return handler


def _hub_command(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from mesocheck import cli_hub

        return cli_hub.HANDLERS[name](args)

    return handler


HANDLERS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _run_app,
    "check-form": _check_form,
    "demo": _demo,
    "export": _export,
    "pdf": _pdf,
    "verify": _verify,
    "rebuild-pdfs": _rebuild_pdfs,
    "backup": _backup,
    "staff": _staff,
    **{name: _record_command(name) for name in ("seal", "check-pdf", "fhir")},
    **{name: _keys_command(name)
       for name in ("setup", "encrypt", "passphrase", "recovery-key", "keyring")},
    **{name: _hub_command(name) for name in ("hub", "sync")},
}

