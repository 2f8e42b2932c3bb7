"""The product's URLs plus `/bench/baseline`: a bare Django view serving bytes from memory."""

from __future__ import annotations

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

from liveapp.urls import urlpatterns as product_urls

_BODY = Path(os.environ["BENCH_BASELINE_FILE"]).read_bytes()


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_BODY, content_type="application/json")


urlpatterns = [path("bench/baseline", baseline), *product_urls]
