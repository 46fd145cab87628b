"""What every feature's ``flask`` command group shares (the factory registers them, app.COMMANDS).

Every group is a :class:`CommandGroup`: a mistake -- a value outside a
choice, a missing argument, an unknown id, a file that cannot be read, a
database that cannot be reached -- ends the command with one line on stderr
(``Error: ...``) and exit status 1, never a traceback and never exit status 0
with an empty result. Click itself would answer a bad option with its usage
text and status 2; scripts and cron only need to know that it failed and why.
A traceback is left for what is a bug.

Long commands show a progress bar on a terminal (:func:`steps`, or tqdm
directly), and nothing in logs, pipes and test runners (``disable=None``).
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from app.errors import DomainError


class OneLineError(click.ClickException):
    """``Error: <message>`` on one line, exit status 1."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class CommandGroup(AppGroup):
    """An AppGroup whose commands answer every mistake with one line and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            # The subcommand's options are parsed here: a bad choice, a missing argument, a typo'd command.
            raise OneLineError(exc.format_message()) from None
        except DomainError as exc:
            raise OneLineError(exc.message) from None
        except OperationalError as exc:
            raise OneLineError(f"database unreachable: {str(exc.orig).strip().splitlines()[0]}") from None
        except OSError as exc:
            raise OneLineError(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None


def steps(names: list[str]):
    """A bar over named steps: ``step = steps([...]); step("storing"); ...; step.close()``."""
    bar = tqdm(total=len(names), unit="step", leave=False, disable=None)

    def step(name: str) -> None:
        if name in names:
            bar.n = names.index(name)
        bar.set_description_str(str(name)[:40])
        bar.refresh()

    step.close = lambda: (setattr(bar, "n", len(names)), bar.refresh(), bar.close())
    return step

