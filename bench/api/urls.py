"""The product's URLs plus the baselines: bare Django views serving bytes from memory.

`/bench/baseline` is a plain (sync) view, the reference of every ratio; `/bench/baseline-async`
is the same as an async view (no thread hop under ASGI), reported beside it. Both pass
through the product's whole middleware stack in the same server process.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

from liveapp.urls import urlpatterns as product_urls

_BODY = Path(os.environ["BENCH_BASELINE_FILE"]).read_bytes()


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_BODY, content_type="application/json")


async def baseline_async(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_BODY, content_type="application/json")


urlpatterns = [
    path("bench/baseline", baseline),
    path("bench/baseline-async", baseline_async),
    *product_urls,
]
