"""The `tsqa` command line.

Each subcommand is a module in `tsqa/commands/` exposing `HELP`, `add_arguments(parser)` and `run(args) -> int`; the
command is the module's name with `-` for `_` (`fit_detector` -> `fit-detector`). Only the module of the command
being run is imported (all of them for `tsqa --help`), and command modules import torch, transformers and toto2
inside `run` only, so `tsqa --help` and argument errors stay fast.
"""

import argparse
import importlib
import pickle
import pkgutil
import sys
import warnings

from tsqa import commands


def command_names() -> dict[str, str]:
    """Command -> its module's name, found without importing any of them."""
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))
    return {name.replace("_", "-"): name for name in names}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """Every command listed, and the arguments of `chosen` (of all of them when it is None or no command: `tsqa
    --help`, a typo)."""
    parser = argparse.ArgumentParser(prog="tsqa", description="Time-series question answering on observability data.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = command_names()
    for name, module_name in names.items():
        if chosen in names and name != chosen:
            sub.add_parser(name)  # listed, never parsed: its module stays unimported
            continue
        module = importlib.import_module(f"tsqa.commands.{module_name}")
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


# Noise from dependencies that a user can do nothing about.
QUIET = (
    ("Using `json`-module for json-handling", UserWarning),  # gluonts, imported by toto2
    ("`is_gradient_checkpointing` is deprecated", FutureWarning),  # transformers 5, called by peft
)


def main(argv: list[str] | None = None) -> int:
    for message, category in QUIET:
        warnings.filterwarnings("ignore", message=message, category=category)
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)  # the command: the first word
    args = build_parser(chosen).parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (ValueError, OSError) as err:
        print(f"tsqa {args.command}: error: {err}", file=sys.stderr)
        return 1
    except pickle.UnpicklingError as err:  # a pickle file a library met before our own checks: refused, not run
        reason = " ".join(str(err).split())[:200]
        print(f"tsqa {args.command}: error: refused to load a pickle file, which could run code ({reason})",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tsqa {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
