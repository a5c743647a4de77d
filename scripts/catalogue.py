"""Keep the app's catalogue of words in step with the code, for translators.

    python scripts/catalogue.py          extract, update every language's .po, compile the .mo
    python scripts/catalogue.py check    exit 1 naming what is stale or untranslated

Every string passed to ``_``, ``N_``, ``ngettext`` or ``gettext`` in ``mesocheck/`` is a
message id. ``resources/locale/mesocheck.pot`` holds them all; each language's
``<lang>/LC_MESSAGES/mesocheck.po`` holds its translations, and the ``.mo`` beside it is what
the app reads (committed, so a fresh checkout runs with no build step). A translator edits a
``.po`` and runs this script; adding a language is a new folder with a ``.po`` made by
``pybabel init -D mesocheck -i resources/locale/mesocheck.pot -d resources/locale -l XX``.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mesocheck"
LOCALE = ROOT / "resources" / "locale"
TEMPLATE = LOCALE / "mesocheck.pot"
DOMAIN = "mesocheck"
# ``_p`` is the patient's gettext, bound where a screen knows the patient's language.
KEYWORDS = {**DEFAULT_KEYWORDS, "_p": None}


def extract() -> Catalog:
    """Every message id in the code, with where it is used."""
    catalog = Catalog(project="mesocheck", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        catalog.add(message, locations=[(f"mesocheck/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir()
                  if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=96, omit_header=False, sort_output=False,
             include_previous=True)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _ids(catalog: Catalog) -> set:
    return {m.id for m in catalog if m.id}


def untranslated(catalog: Catalog, template: Catalog) -> list[str]:
    """Message ids of ``template`` that ``catalog`` lacks, leaves empty or marks fuzzy."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = (found.string if isinstance(found.string, (list, tuple))
                   else [found.string]) if found is not None else [""]
        if found is None or found.fuzzy or not all(strings):
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            missing.append(key)
    return missing


ACCENTED = str.maketrans("aeiouyAEIOUYcnCN", "àéîõüýÀÉÎÕÜÝçñÇÑ")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def pseudo(text: str) -> str:
    """``text`` accented and 40 % longer, its placeholders kept: what a longer language
    does to the layout, while every word stays recognisable."""
    parts = PLACEHOLDER.split(text)
    names = PLACEHOLDER.findall(text)
    out = parts[0].translate(ACCENTED)
    for name, part in zip(names, parts[1:]):
        out += name + part.translate(ACCENTED)
    pad = max(1, round(len(text) * 0.4))
    return f"{out} {'·' * (pad - 1)}" if pad > 1 else out + "·"


def pseudo_catalogue(template: Catalog, language: str = "en_XA") -> Catalog:
    """Every message of ``template`` in the pseudo-language."""
    catalog = Catalog(locale="en", domain=DOMAIN)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(pseudo(i) for i in message.id))
        else:
            catalog.add(message.id, pseudo(message.id))
    return catalog


def write_pseudo(folder: Path, language: str = "en_XA") -> Path:
    """A compiled pseudo-language catalogue under ``folder`` (a locale folder)."""
    target = folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(mo_bytes(pseudo_catalogue(extract(), language)))
    return target


def foreign_placeholders(catalog: Catalog) -> list[tuple[str, set[str]]]:
    """Translations naming a ``{placeholder}`` their message id does not have (the
    words would fail to fill in)."""
    found = []
    for ids, known, used in _placeholders(catalog):
        if used - known:
            found.append((ids[0], used - known))
    return found


def lost_placeholders(catalog: Catalog) -> list[tuple[str, set[str]]]:
    """Translations that leave out a ``{placeholder}`` of their message id (a name, a
    count or a file the reader would not see); a plural's forms together must keep them,
    as a language may say "one" without the number."""
    found = []
    for ids, known, used in _placeholders(catalog):
        if known - used:
            found.append((ids[0], known - used))
    return found


def _placeholders(catalog: Catalog):
    for message in catalog:
        if not message.id or not message.string or not all(
                message.string if isinstance(message.string, tuple) else [message.string]):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        known = {name for text in ids for name in PLACEHOLDER.findall(text)}
        yield ids, known, {name for text in strings for name in PLACEHOLDER.findall(text)}


def problems() -> list[str]:


    """What is stale or untranslated, one line each; empty when the catalogue is in step."""
    found: list[str] = []
    template = extract()
    if not TEMPLATE.is_file():
        return [f"{TEMPLATE.relative_to(ROOT)} is missing: run python scripts/catalogue.py"]
    with TEMPLATE.open("rb") as f:
        shipped = read_po(f)
    if _ids(shipped) != _ids(template):
        new = len(_ids(template) - _ids(shipped))
        gone = len(_ids(shipped) - _ids(template))
        found.append(f"{TEMPLATE.relative_to(ROOT)} is stale ({new} new message ids, {gone} "
                     "gone): run python scripts/catalogue.py")
    for language in languages():
        catalog = read(language)
        for msgid in untranslated(catalog, template):
            found.append(f"{po_path(language).relative_to(ROOT)}: no translation for "
                         f"{msgid!r}")
        for msgid, extra in foreign_placeholders(catalog):
            found.append(f"{po_path(language).relative_to(ROOT)}: {msgid!r} is translated "
                         f"with {', '.join(sorted(extra))}, which the code never fills in")
        for msgid, lost in lost_placeholders(catalog):
            found.append(f"{po_path(language).relative_to(ROOT)}: {msgid!r} is translated "
                         f"without {', '.join(sorted(lost))}")
        mo = po_path(language).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
            found.append(f"{mo.relative_to(ROOT)} is stale: run python scripts/catalogue.py")
    return found


def update() -> None:
    template = extract()
    LOCALE.mkdir(parents=True, exist_ok=True)
    if TEMPLATE.is_file():  # the same ids keep the same file (and date): no noise in diffs
        with TEMPLATE.open("rb") as f:
            template.creation_date = read_po(f).creation_date
    TEMPLATE.write_bytes(po_bytes(template))
    for language in languages():
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        po_path(language).write_bytes(po_bytes(catalog))
        po_path(language).with_suffix(".mo").write_bytes(mo_bytes(read(language)))


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    update()
    print(f"{TEMPLATE.relative_to(ROOT)}: {len(_ids(extract()))} message ids; "
          f"languages: {', '.join(languages()) or 'English only'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
