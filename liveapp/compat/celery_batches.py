"""celery-batches: the flush interval counted from the first request waiting.

`Batches` re-arms its timer from the start of the last flush: once a flush takes longer
than the interval, the timer is always due and every flush takes the one request read
since (the consumer reads one message per loop turn). Stopping the timer after each
flush lets the next request start it again, so the worker reads what queued up during a
flush for one interval, then applies it all together. That touches `Batches`' private
`_tref` and `_pending`, so it is done with the version it was checked against only
(`TESTED_CELERY_BATCHES`); with any other, `Batches` behaves as it ships.
"""

from __future__ import annotations

from importlib.metadata import version

from celery_batches import Batches

TESTED_CELERY_BATCHES = "0.11"
RELIED_ON = ("_do_flush", "_tref", "_pending")
RESTARTS_TIMER = version("celery-batches") == TESTED_CELERY_BATCHES


class FlushFromFirstWaiting(Batches):
    def _do_flush(self) -> None:
        super()._do_flush()
        if RESTARTS_TIMER and self._tref is not None and self._pending.qsize() == 0:
            self._tref.cancel()
            self._tref = None
