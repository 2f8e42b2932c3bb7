"""Long-lived processes: keep their start-up objects out of the garbage collector's way."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Exempt everything allocated so far (modules, settings, URL patterns, templates)
    from future collections.

    A full collection walks every tracked object: 75-106 ms in a web or worker process
    here, a pause in the middle of a push or an ingest flush (docs/PERFORMANCE.md). What
    start-up made lives as long as the process anyway. Call it once the process is ready.
    """
    gc.collect()
    gc.freeze()
