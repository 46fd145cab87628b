"""How the import commands tell a person which rows were refused (shared by every ``flask ... import``)."""
from __future__ import annotations

import sys
from typing import Sequence

import click
from flask_babel import gettext as _

from app import csvcells

#: Rows listed on the terminal; the rest go to ``--errors FILE``.
SHOWN = 50


def report_row_errors(errors: Sequence, errors_path: str | None, stored: int) -> None:
    """List the first errors on stderr, write them all to ``errors_path`` (CSV, UTF-8 with BOM for
    Excel) when given, and exit 1 when nothing at all could be stored."""
    for err in errors[:SHOWN]:
        click.echo("  " + _("row %(row)s: %(field)s: %(message)s", row=err.row, field=err.field,
                            message=err.message), err=True)
    if len(errors) > SHOWN:
        click.echo("  " + _("... %(n)s more errors", n=len(errors) - SHOWN), err=True)
    if errors_path:
        with open(errors_path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csvcells.writer(fh)
            writer.writerow([_("row"), _("field"), _("message"), _("value")])
            for err in errors:
                writer.writerow([err.row, err.field, err.message, err.value or ""])
    if errors and not stored:
        sys.exit(1)
