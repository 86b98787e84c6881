"""The wheel is one `tsqa` package with its recipes and demo model, and works from a folder that has its own
`training/` and `eval/` packages (which shadowed ours when they were top-level modules)."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _source_files() -> list[str]:
    """The checkout's files (tracked, and new ones git does not ignore): the wheel is built from a copy of these."""
    listed = subprocess.check_output(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                     text=True)
    return [name for name in listed.splitlines() if (ROOT / name).is_file()]


def _run(command: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> tuple[Path, str]:
    """The wheel built from a copy of the checkout, and what the build printed."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
               "--wheel-dir", str(out), str(source)]
    proc = _run(command, cwd=source, env={**os.environ, "PIP_NO_INPUT": "1"})
    (path,) = out.glob("tsqa-*.whl")
    return path, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def wheel(build) -> Path:
    return build[0]


def test_the_build_warns_about_nothing(build):
    # setuptools prints a page per data folder it takes for a package missing from pyproject's list
    _, printed = build
    assert "Warning" not in printed and "would be ignored" not in printed, printed[-3000:]


def test_the_wheel_has_one_top_level_package_with_recipes_and_demo(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"tsqa"}
    for required in ("tsqa/recipes/tiny.toml", "tsqa/demo_model/tsqa_config.json", "tsqa/bridges/hybrid.py",
                     "tsqa/arfbench/synth/generate.py", "tsqa/training/loop.py", "tsqa/eval/metrics.py",
                     "tsqa/label/static/incidents.html", "tsqa/label/static/chart.js", "tsqa/label/static/label.css",
                     "tsqa/evidence/detector.json", "tsqa/evidence/detector.py",
                     "tsqa/factories/published/qwen3_vl_processor.json", "tsqa/factories/published/toto_2_22m.json"):
        assert required in names
    packages = [name for name in _source_files() if name.endswith("/__init__.py") and not name.startswith("tests/")]
    shipped = [name for name in names if name.endswith("/__init__.py")]
    assert len(shipped) == len(packages), f"a package is missing from pyproject's list: {packages} vs {shipped}"


def test_installed_wheel_runs_beside_a_users_own_training_and_eval_folders(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip())
    # the dependencies come from this environment (offline); tsqa itself only from the wheel
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "PIP_NO_INPUT": "1", "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=tmp_path, env=env)

    user = tmp_path / "project"
    for package in ("training", "eval"):
        (user / package).mkdir(parents=True)
        (user / package / "__init__.py").write_text("raise ImportError('the user project, not tsqa')\n")
    located = _run([python, "-c", "import tsqa.training.recipes as r; print(r.__file__)"], cwd=user, env=env)
    assert str(site) in located.stdout

    assert "train" in _run([env_dir / "bin" / "tsqa", "--help"], cwd=user, env=env).stdout
    steps = ["--set", "stages.0.max_steps=2", "--set", "stages.1.max_steps=2", "--set", "stages.1.epochs=1",
             "--set", "eval.max_samples=4"]
    _run([python, "-m", "tsqa", "train", "--recipe", "tiny", "--synthetic", "40", "--out", "X", *steps],
         cwd=user, env=env)
    assert (user / "X" / "sft" / "final" / "tsqa_config.json").is_file()

    (user / "incident.csv").write_bytes((ROOT / "examples" / "incident.csv").read_bytes())
    asked = _run([env_dir / "bin" / "tsqa", "ask", "--series", "incident.csv", "--plot", "p.png",
                  "--question", "Is there an anomaly in the time-series?",
                  "--options", "Yes, there is an anomaly in the time-series",
                  "No, there is no anomaly in the time-series"], cwd=user, env=env)
    assert "anomaly in the time-series" in asked.stdout
    assert (user / "p.png").stat().st_size > 1000
