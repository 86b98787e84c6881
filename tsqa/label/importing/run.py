"""One import: the shape's reader over its files, then the pairs, into the folder's labels file (written atomically,
after everything was read and checked, so a refused import leaves the file as it was)."""

from dataclasses import dataclass, field
from pathlib import Path

from tsqa.arfbench.incident_labels import LABELS_FILE, read_labels, write_labels
from tsqa.label.importing.common import Importer, ImportReport, parse_kind_map
from tsqa.label.importing.faults import END_RULE, import_faults
from tsqa.label.importing.pairs import import_pairs
from tsqa.label.importing.points import import_points
from tsqa.label.importing.segments import import_segments, read_types
from tsqa.label.importing.windows import import_windows
from tsqa.label.sources import open_source

SHAPES = ("windows", "points", "segments", "faults", "pairs")


@dataclass
class ImportOptions:
    kind_map: list[str] = field(default_factory=list)  # SOURCE_KIND=KIND
    channels: list[str] = field(default_factory=list)  # faults: SOURCE_KIND=COLUMN[;COLUMN]
    horizon: int = 30  # faults: steps within which the end is looked for
    column: str = "label"  # points: the label column's name when the file has a header
    hide_columns: list[str] = field(default_factory=list)  # columns of the series files that are not metrics
    types: Path | None = None  # segments: the types table
    pairs: Path | None = None  # pairs imported after the shape's labels
    replace: bool = False


def _channel_map(texts: list[str]) -> dict[str, list[str]]:
    found = {}
    for text in texts:
        kind, sep, columns = text.partition("=")
        if not sep or not kind.strip() or not columns.strip():
            raise ValueError(f"--channel {text!r}: expected SOURCE_KIND=COLUMN[;COLUMN...]")
        found[kind.strip().lower()] = [c.strip() for c in columns.split(";") if c.strip()]
    return found


def import_labels(shape: str, inputs: list[Path], data: Path, options: ImportOptions,
                  write: bool = True) -> tuple[dict, ImportReport]:
    """(the labels document, what was mapped / inferred / skipped); written to DATA/incident-labels.json."""
    if shape not in SHAPES:
        raise ValueError(f"unknown label shape {shape!r}; expected one of {list(SHAPES)}")
    if options.horizon < 1:
        raise ValueError(f"--horizon must be >= 1, got {options.horizon}")
    source = open_source([data])
    path = source.root / LABELS_FILE
    report = ImportReport()
    importer = Importer(source, report, read_labels(path), options.replace)
    kind_map = parse_kind_map(options.kind_map)
    meta: dict = {"shape": shape, "from": [p.name for p in inputs]}
    for column in options.hide_columns:
        importer.hide_column(column, "--hide-column")
    if shape == "windows":
        for one in inputs:
            import_windows(importer, one, kind_map)
    elif shape == "points":
        import_points(importer, inputs, options.column)
    elif shape == "segments":
        import_segments(importer, inputs, read_types(options.types), kind_map)
    elif shape == "faults":
        for one in inputs:
            import_faults(importer, one, kind_map, _channel_map(options.channels), options.horizon)
        meta["end_rule"] = END_RULE
        meta["horizon_steps"] = options.horizon
    else:
        for one in inputs:
            import_pairs(importer, one)
    if options.pairs is not None:
        import_pairs(importer, options.pairs)
        meta["pairs"] = options.pairs.name
    for column in options.hide_columns:
        if column not in source.label_columns_found:
            report.skipped.append(f"--hide-column: no series read by this import has a column {column!r}")
    if kind_map:
        meta["kind_map"] = kind_map
    doc = importer.doc(meta)
    if write:
        write_labels(path, doc)
    return doc, report
