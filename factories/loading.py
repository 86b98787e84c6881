"""Loading weights that are already on disk, without transformers' progress bar.

Loading a local checkpoint takes well under a second for the demo model and seconds for published ones, so
"Loading weights" bars are noise in a one-shot answer. Downloads happen before this (`factories.hub.resolve`) and
keep their progress bars.
"""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Transformers' progress bars off inside the block, back to how they were after it."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()
