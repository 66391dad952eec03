"""The ``tinygrad-mlp`` command. Each subcommand is one module of this package.

A subcommand module has ``NAME``, ``HELP``, ``EPILOG`` (its exit statuses and one example,
shown at the end of its ``--help``), ``add_arguments(parser)`` and
``run(args, parser) -> int``; ``COMMANDS`` lists them in the order ``--help`` shows.
``tinygrad-mlp --version`` prints the version; ``python -m tinygrad_mlp`` is the same command;
a bare ``tinygrad-mlp`` prints the help (usage and the commands) and exits 0, as pip does.
Exit status: 0 when everything passed, 1 when a check failed (or training diverged), 2 for
bad usage or a file that could not be read or written, 130 when interrupted (Ctrl-C), 141
when the output pipe closed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from . import bench, gradcheck, scalarbench, train

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: list[ModuleType] = [gradcheck, bench, scalarbench, train]
PIPE_NOTE = "  141  the output pipe closed early (| head): stopped quietly"
INTERRUPT_NOTE = "  130  interrupted (Ctrl-C)"
EPILOG = f"""exit status:
  0  everything passed (or was reported)
  1  a check failed, or training diverged
  2  bad usage, or a file that could not be read or written
{INTERRUPT_NOTE}
{PIPE_NOTE}

'tinygrad-mlp COMMAND --help' tells more about each command."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-mlp`` with one subparser per command."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="tinygrad-mlp",
        description="Exact reverse-mode autodiff on numpy: checks, experiments, benchmarks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tinygrad-mlp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        doc = (command.__doc__ or "").strip().replace("``", "")  # plain text, not reST
        epilog = getattr(command, "EPILOG", None)
        if epilog is not None:  # the interrupt and pipe statuses are everyone's
            head, sep, tail = epilog.partition("\n\n")
            notes = [
                n for code, n in (("130", INTERRUPT_NOTE), ("141", PIPE_NOTE)) if code not in head
            ]
            epilog = "\n".join([head, *notes]) + sep + tail
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=doc or None,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the epilog's lines
        )
        command.add_arguments(p)
        p.set_defaults(_command=command, _parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Example: ``main(["gradcheck", "--sizes", "4", "5", "4", "3"])`` returns 0.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:  # nothing asked: show what there is to ask for (pip's choice), not an error
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    args.argv = ["tinygrad-mlp", *argv]  # the command line, for the provenance of output files
    try:
        status: int = args._command.run(args, args._parser)
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback, the status shells report
        print(f"\ntinygrad-mlp {args.command}: interrupted", file=sys.stderr)
        return 128 + 2
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit flush does not fail again
        return 128 + 13  # the status of a process ended by SIGPIPE
    except (OSError, MemoryError) as exc:  # a file not read or written, a size too large
        print(f"tinygrad-mlp {args.command}: error: {exc or type(exc).__name__}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
