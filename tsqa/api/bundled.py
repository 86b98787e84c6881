"""Files bundled with the package: the tiny demo checkpoint and the detector's fitted rules."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
DEMO_MODEL = PACKAGE / "demo_model"
DEMO_DETECTOR = PACKAGE / "detector.json"  # `--model detector`: fit by `tsqa fit-detector`
