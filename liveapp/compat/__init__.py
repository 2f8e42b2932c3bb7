"""Where the code relies on a library's private internals: one module per library, each
used only with the version it was checked against (else the library's public behaviour
is used), each guarded by tests/foundation/test_library_guards.py. uvicorn's is
scoreboard/live/transport.py, next to the hub that uses it; Django's cache client's is
liveapp/cache.py, the cache backend itself."""
