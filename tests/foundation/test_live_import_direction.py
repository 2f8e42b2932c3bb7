"""`scoreboard/live/` imports run one way: no module imports, at its top or inside a
function, a module that imports it back (directly or through others).

The publisher and the hub meet only through `bus` (the backplane) and `interest`; a
cycle would mean a file can no longer be read knowing only what is below it."""

from __future__ import annotations

import ast
from pathlib import Path

LIVE = Path(__file__).resolve().parents[2] / "scoreboard" / "live"


def live_imports() -> dict[str, set[str]]:
    """Module name -> the `scoreboard.live` modules it imports anywhere in its body."""
    modules = {path.stem for path in LIVE.glob("*.py") if path.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in modules:
        found: set[str] = set()
        for node in ast.walk(ast.parse((LIVE / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "scoreboard.live":
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "scoreboard.live."
            ):
                found.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                found.update(
                    alias.name.split(".")[2]
                    for alias in node.names
                    if alias.name.startswith("scoreboard.live.")
                )
        graph[name] = {dep for dep in found if dep in modules and dep != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it."""
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for dep in sorted(graph[node]):
            if dep == path[0]:
                found.append([*path, dep])
            elif dep not in path and dep > path[0]:  # each circle once, from its least name
                visit(dep, [*path, dep])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_it_finds_a_circle_when_there_is_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_live_has_no_import_circle() -> None:
    graph = live_imports()
    assert {"hub", "publisher", "outbox", "relay"} <= set(graph)  # the walk found them
    assert cycles(graph) == []


def test_the_publisher_and_the_hub_do_not_import_each_other() -> None:
    graph = live_imports()
    assert "hub" not in graph["publisher"] and "publisher" not in graph["hub"]
