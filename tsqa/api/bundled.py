"""Files bundled with the package: the tiny demo checkpoint (the detector's fitted rules: `evidence.detector`)."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
DEMO_MODEL = PACKAGE / "demo_model"
