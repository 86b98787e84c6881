"""One error type for every refused export, keeping the column and row apart so each reader can say where."""

QUOTED_CHARACTERS = 40


def quoted(value: object) -> str:
    """A cell as a refusal quotes it: as text, cut to `QUOTED_CHARACTERS` (a message never repeats a whole file)."""
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= QUOTED_CHARACTERS else text[: QUOTED_CHARACTERS - 3] + "...")


class ExportError(ValueError):
    """A file (or frame) that cannot be read as a series: `field` is the column or part at fault, `row` the data
    row (0-based, the header not counted) when one row is to blame."""

    def __init__(self, source: str, detail: str, field: str | None = None, row: int | None = None,
                 without_content: str | None = None) -> None:
        parts = [f"column {field!r}" if field is not None else "", f"row {row}" if row is not None else ""]
        self.location = ", ".join(part for part in parts if part)
        super().__init__(f"{source}: {self.location}: {detail}" if self.location else f"{source}: {detail}")
        self.source, self.detail, self.field, self.row = source, detail, field, row
        self.without_content = without_content or detail  # the reason without any cell of the file quoted

    def shown(self, source: str) -> str:
        """The refusal with `source` for the file's path and no cell content: what a web page may show."""
        return f"{source}: {self.location}: {self.without_content}" if self.location else \
            f"{source}: {self.without_content}"


class RepairRefused(ExportError):
    """A repair the policy would make, refused because the caller asked for `strict` reading."""
