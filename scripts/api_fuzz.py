"""`make test-api-fuzz`: schemathesis with every check and its stateful phase against a
real server, at least MIN_CASES cases, zero failures (exit status 1 otherwise).

The key has the `read` and `webhooks` scopes, not `stream`: a fuzzer reads each response
to its end, and a stream never ends (its 403 is checked; tests/api cover the stream).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from api_world import REPO, prepare, server

MIN_CASES = 2000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=140, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    url, token = prepare("apifuzz")
    report = Path(tempfile.mkdtemp(prefix="scoreline-apifuzz-")) / "report.ndjson"
    # The stateful phase links response values into requests: a webhook URL built from one
    # of our own loopback links is valid by the schema but refused by the egress rule
    # (public addresses only), which tests/security/test_webhook_ssrf.py covers. Here, as
    # in local development, loopback receivers are allowed.
    with server(url, WEBHOOK_ALLOW_LOOPBACK="1") as api:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file", str(REPO / "scripts" / "schemathesis.toml"),
            "run",
            f"{api.url}/api/v1/schema/",
            "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            # One worker: with two, Hypothesis' source inspection (ast.parse) in two threads
            # hits a CPython 3.11 race ("AST constructor recursion depth mismatch").
            "--workers", "1",
            "--request-timeout", "30",
            "--header", f"Authorization: Api-Key {token}",
            "--report", "ndjson", "--report-ndjson-path", str(report),
            "--no-color",
        ]  # fmt: skip
        status = subprocess.run(command, cwd=REPO).returncode
    cases = count_cases(report)
    print(f"api-fuzz: {cases} test cases, schemathesis exit status {status}")
    if cases < MIN_CASES:
        print(f"api-fuzz: fewer than {MIN_CASES} cases: raise --max-examples")
        return 1
    return status


def count_cases(report: Path) -> int:
    """Requests the run made, from its event log (every test case makes at least one)."""
    total = 0
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name == "ScenarioFinished":
                total += len(body.get("recorder", {}).get("cases", {}))
    return total


if __name__ == "__main__":
    sys.exit(main())
