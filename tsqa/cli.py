"""The `tsqa` command line.

Each subcommand is a module in `tsqa/commands/` exposing `HELP`, `add_arguments(parser)` and `run(args) -> int`, and
optionally `NAME` when the command is spelled otherwise than the module (`fit-detector`).
Command modules import torch, transformers and toto2 inside `run` only, so `tsqa --help` and argument errors stay fast.
"""

import argparse
import importlib
import pickle
import pkgutil
import sys
import warnings

from tsqa import commands


def _command_modules() -> dict:
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))
    modules = [importlib.import_module(f"tsqa.commands.{name}") for name in names]
    return {getattr(module, "NAME", name): module for name, module in zip(names, modules)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tsqa", description="Time-series question answering on observability data.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _command_modules().items():
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
    args = build_parser().parse_args(argv)
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
