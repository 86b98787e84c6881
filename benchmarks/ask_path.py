"""Which project modules one `tsqa ask` touches: those whose functions run and those imported, and any call back.

    python benchmarks/ask_path.py                      # the demo question on examples/incident.csv
    python benchmarks/ask_path.py --list               # and every module, with how many of its functions ran

A module "runs" when one of its functions (not just its module body, which importing runs) executes during the command; "imported" is
`sys.modules` filtered to `tsqa.` after it. A call back is a call from module B into module A while a function of
A is below it on the stack through B (A -> B -> A); also every pair of modules that call each other both ways at
any point of the run. The answering path should have none (inputs are built completely before the model runs). Targets (issue 22): at most 25 modules running and at most 40 imported.
"""

import argparse
import importlib.util
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_ARGS = [
    "ask", "--series", str(ROOT / "examples" / "incident.csv"), "--plot", "/tmp/tsqa-ask-path.png",
    "--question", "Is there an anomaly in the time-series?",
    "--options", "Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series",
]


def _project_module(filename: str, roots: dict[Path, str]) -> str | None:
    """The dotted `tsqa.` name of a project source file, else None (dependencies, the standard library)."""
    path = Path(filename)
    for root, prefix in roots.items():
        if path.is_relative_to(root) and path.suffix == ".py":
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            return ".".join((prefix, *parts)) if parts else prefix
    return None


def _roots() -> dict[Path, str]:
    """Source folder -> the package name it installs as (every folder of pyproject.toml's package-dir, so a new
    top-level package is counted too); found without importing the packages, which would count them as imported."""
    import tsqa

    roots = {Path(tsqa.__file__).parent: "tsqa"}
    package_dirs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package in package_dirs:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            roots[Path(spec.submodule_search_locations[0])] = package
    return dict(sorted(roots.items(), key=lambda item: -len(item[0].parts)))  # innermost folder first


def trace(argv: list[str]) -> tuple[Counter, set[str], list[tuple[str, str, str]], set[tuple[str, str]], int]:
    """(functions run per module, modules imported, call backs (callee, caller, callee), module pairs that call
    each other both ways at some point, exit code)."""
    roots = _roots()
    names: dict[str, str | None] = {}
    runs: Counter = Counter()
    stack: list[str | None] = []  # the project module of every frame being executed
    backs: set[tuple[str, str, str]] = set()
    edges: set[tuple[str, str]] = set()  # (caller, callee) module pairs

    def module_of(code) -> str | None:
        if code.co_filename not in names:
            names[code.co_filename] = _project_module(code.co_filename, roots)
        return names[code.co_filename]

    def profile(frame, event, arg):
        if event == "call":
            module = None if frame.f_code.co_name == "<module>" else module_of(frame.f_code)  # imports do not count
            if module is not None:
                runs[module] += 1
                caller = next((m for m in reversed(stack) if m is not None), None)
                if caller is not None and caller != module:
                    edges.add((caller, module))
                    chain = [m for m in stack if m is not None]
                    # a call into `module` from `caller` while `module` itself waits below `caller`: a call back
                    if module in chain[: len(chain) - 1 - chain[::-1].index(caller)]:
                        backs.add((module, caller, module))
            stack.append(module)
        elif event == "return" and stack:
            stack.pop()

    from tsqa.cli import main

    before = {name for name in sys.modules if name.startswith("tsqa.")}
    sys.setprofile(profile)
    try:
        code = main(argv)
    finally:
        sys.setprofile(None)
    imported = {name for name in sys.modules if name == "tsqa" or name.startswith("tsqa.")}
    trace.edges = edges  # for --list
    both_ways = {(a, b) for a, b in edges if (b, a) in edges and a < b}
    return runs, imported | before, sorted(backs), both_ways, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every module")
    parser.add_argument("args", nargs="*", help="tsqa arguments (default: the demo question)")
    args = parser.parse_args()
    runs, imported, backs, both_ways, code = trace(args.args or DEMO_ARGS)
    print(f"exit code {code}")
    print(f"project modules whose functions ran: {len(runs)} (target <= 25)")
    print(f"project modules imported: {len(imported)} (target <= 40)")
    print(f"call backs (module -> ... -> a module below it on the stack): {len(backs)}")
    for module, caller, _ in backs:
        print(f"  {module} -> ... -> {caller} -> {module}")
    print(f"module pairs calling each other, both ways, at any point: {len(both_ways)}")
    for a, b in sorted(both_ways):
        print(f"  {a} <-> {b}")
    if args.list:
        print("\nran (functions run):")
        for module in sorted(runs):
            print(f"  {module} ({runs[module]})")
        print("\nimported, never run:")
        for module in sorted(imported - set(runs)):
            print(f"  {module}")
        print("\ncalls between modules (caller -> callee):")
        for caller, callee in sorted(trace.edges):
            print(f"  {caller} -> {callee}")


if __name__ == "__main__":
    main()
