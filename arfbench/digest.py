"""A series' content as a short digest, for keeping one copy of work (files, plots) per distinct series."""

import hashlib

from tsqa.arfbench.schema import Series


def series_digest(series: Series) -> bytes:
    """SHA-1 of the timestamps, values (NaN cells included), channel names and interval; not of the name."""
    parts = (series.timestamps.tobytes(), series.values.tobytes(), "\n".join(series.channels).encode())
    return hashlib.sha1(b"|".join(parts) + str(series.interval).encode()).digest()
