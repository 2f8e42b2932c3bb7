"""Live fan-out benchmark: our Channels stack against a plain `websockets.broadcast` server.

Processes (all on loopback, one machine, one clock):
- `run.py`       orchestrator: DB/Redis setup, starts/stops everything, reports.
- `driver.py`    change publisher: service-layer writes (as a worker would), or raw frames
                 to Redis pub/sub (baseline), or channel-layer `group_send` (alternatives).
- `viewers.py`   load client: N WebSocket viewers, records receipt time of every frame.
- `baseline_server.py`  plain `websockets` server: one Redis subscription + broadcast.
- `alt_asgi.py`  textbook alternative: one channel-layer group member per socket.
"""
