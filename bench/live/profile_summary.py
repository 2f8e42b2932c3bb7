"""Summarise a `py-spy record --format raw` file: top functions by self and total samples.

python -m bench.live.profile_summary /tmp/bench-live-xxx/uvicorn.pyspy.txt
"""

from __future__ import annotations

import sys
from collections import Counter


def summarise(path: str, top: int = 25) -> str:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = stack.split(";")
            samples += n
            own[frames[-1]] += n
            for frame in set(frames):
                total[frame] += n
    out = [f"{samples} samples", "-- self:"]
    out += [f"{100 * n / samples:5.1f}%  {fr}" for fr, n in own.most_common(top)]
    out.append("-- total (inclusive):")
    out += [f"{100 * n / samples:5.1f}%  {fr}" for fr, n in total.most_common(top)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
