"""CSV cells that a spreadsheet shows as text and that read back exactly as written.

A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` (some also after a leading tab or
carriage return) as a formula: a question, an option, a model's answer or a name chosen by whoever made the data could
then fetch a URL or start a program on the machine of whoever opens the file. Such a cell is written with one leading
apostrophe, which spreadsheets take as "this is text" and do not show; `original_cell` removes it again.

Exceptions, both so that other readers see what they always saw: a plain number ("-5", "+1.5e3") stays as it is (a
spreadsheet reads it as a number and runs nothing; the reference's pandas reads the same value), and so does a cell
that starts otherwise (JSON lists and objects start with `[` or `{`). A text that already begins with apostrophes
before one of those characters gets one more, so reading back always gives the original text.
"""

import re

_FORMULA = re.compile(r"'*[=+\-@\t\r]")  # what a spreadsheet runs, behind any apostrophes already there
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """`text` as it is written to a CSV cell; `original_cell` undoes it."""
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def original_cell(cell: str) -> str:
    """The text `safe_cell` was given (a cell it did not change comes back as it is)."""
    if cell.startswith("'") and _FORMULA.match(cell):
        return cell[1:]
    return cell
