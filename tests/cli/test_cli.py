"""The command line stays light: help and argument errors never import the heavy stacks."""

import json
import subprocess
import sys

HEAVY = ("torch", "transformers", "toto2", "peft", "accelerate", "datasets", "matplotlib")


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from tsqa.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "import json\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))  # the last line: help text comes before it


def test_help_imports_no_heavy_module():
    loaded = _modules_after(["--help"])
    assert not {m for m in HEAVY if m in loaded}


def test_every_subcommand_help_is_light():
    from tsqa.cli import build_parser

    names = build_parser()._subparsers._group_actions[0].choices
    assert names, "no subcommands registered"
    for name in names:
        loaded = _modules_after([name, "--help"])
        assert not {m for m in HEAVY if m in loaded}, name


def test_unknown_command_exits_with_usage_error():
    proc = subprocess.run([sys.executable, "-m", "tsqa", "no-such-command"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_a_command_imports_only_its_own_module():
    """`tsqa ask` (here stopped by an argument error) builds only the ask command's parser: the other command
    modules, and what they import, are never run."""
    loaded = _modules_after(["ask", "--question", "Q?"])  # no --series/--image: argparse refuses
    commands = {m for m in loaded if m.startswith("tsqa.commands.")}
    assert commands == {"tsqa.commands.ask"}
    assert not {m for m in loaded if m.startswith(("tsqa.serve", "tsqa.arfbench.synth"))}


def test_recipe_and_checkpoint_configs_import_no_model_stack():
    """A recipe (`training.config`) and a checkpoint's config (`bridges.config`) are plain dataclasses: reading one
    never imports torch, transformers or peft."""
    code = ("import sys, json\nimport tsqa.training.config, tsqa.bridges.config\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert not {m for m in HEAVY if m in loaded}
