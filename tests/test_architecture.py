"""The package's shape, checked from its source: layers that import only downwards, no
import cycles, no long functions, one place for the store layout and the environment.

Built with ``ast`` rather than by importing, so an import hidden inside a function
body counts the same as one at the top of a file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "coverage"
APP_FILES = [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]

# Only the simulator may hold long functions (it reads as one play's script); none at all
# over the hard limit.
MAX_LINES = 150
MAX_LINES_SIMULATOR = 250


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in the file)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    pkg = pkg[:len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for n in names:
                if n == "coverage" or n.startswith("coverage."):
                    target = _resolve(n, modules)
                    # the root package only holds the version: not an edge worth a cycle
                    if target and target not in (mod, "coverage"):
                        deps.add(target)
        graph[mod] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph folded to top-level areas (coverage.training, coverage.store, ...)."""
    def area(m: str) -> str:
        return ".".join(m.split(".")[:2])

    out: dict[str, set[str]] = {}
    for m, deps in graph.items():
        out.setdefault(area(m), set()).update(area(d) for d in deps if area(d) != area(m))
    return out


def test_the_graph_builder_sees_a_planted_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules() -> None:
    graph = import_graph()
    assert "coverage.store" in graph and graph["coverage.store"], "graph was not built"
    assert cycles(graph) == []


def test_no_import_cycles_between_subpackages() -> None:
    assert cycles(package_graph(import_graph())) == []


def test_nothing_but_the_cli_imports_the_command_layer() -> None:
    graph = import_graph()
    users = {m for m, deps in graph.items() if any(d.startswith("coverage.commands") for d in deps)
             and not m.startswith("coverage.commands")}
    assert users == {"coverage.cli"}


# Areas from the bottom up: an area imports only its own layer and the ones before it.
# Data flows one way: raw files -> store -> models -> predictions -> views, and only the
# layers near the top open a user's path (which may ingest or simulate).
LAYERS: tuple[tuple[str, frozenset[str]], ...] = tuple((name, frozenset(
    f"coverage.{a}" if a else "coverage" for a in areas.split())) for name, areas in (
    ("foundation", "errors atomic config pitch players stats evaluation vocab spill background"),
    ("schema", "schema generations"),
    ("tables", "data_folder normalize raw validation formations features"),
    ("store", "store frame_cache"),
    ("data in", "ingest labels_only simulate"),
    ("networks", "models"),
    ("training", "training"),
    ("learners", "family tabular prior"),
    ("pipelines", "pipelines explain views export"),
    ("open a path", "opener"),
    ("products", "serving experiments bootstrap finish"),
    ("app", "app report"),  # the report names models by their training data (app.provenance)
    ("commands", "commands"),
    ("entry", "cli __main__"),
))
# coverage.store reads the store and writes model outputs into it: nothing above these
STORE_MAY_IMPORT = {"coverage.schema", "coverage.normalize", "coverage.generations",
                    "coverage.atomic", "coverage.errors", "coverage.config", "coverage.pitch",
                    "coverage.vocab"}


def layer_violations(areas: dict[str, set[str]],
                     layers: tuple[tuple[str, frozenset[str]], ...]) -> list[str]:
    """Each import of a higher layer, and each area no layer declares."""
    rank = {a: i for i, (_, members) in enumerate(layers) for a in members}
    out = [f"{a} is in no layer (declare it in LAYERS)" for a in sorted(areas)
           if a not in rank and a != "coverage"]
    for a, deps in sorted(areas.items()):
        for d in sorted(deps):
            if a in rank and d in rank and rank[d] > rank[a]:
                out.append(f"{a} ({layers[rank[a]][0]}) imports {d} ({layers[rank[d]][0]})")
    return out


def test_the_layer_check_sees_a_planted_violation() -> None:
    layers = (("low", frozenset({"x.a"})), ("high", frozenset({"x.b"})))
    assert layer_violations({"x.a": set(), "x.b": {"x.a"}}, layers) == []
    assert layer_violations({"x.a": {"x.b"}, "x.b": set()}, layers) == [
        "x.a (low) imports x.b (high)"]
    assert layer_violations({"x.c": set()}, layers) == ["x.c is in no layer (declare it in "
                                                         "LAYERS)"]


def test_areas_import_only_lower_layers() -> None:
    assert layer_violations(package_graph(import_graph()), LAYERS) == []


def test_the_store_sits_on_schema_and_its_helpers_only() -> None:
    deps = import_graph()["coverage.store"]
    assert deps and deps <= STORE_MAY_IMPORT, deps - STORE_MAY_IMPORT


def _imports_area(deps: set[str], area: str) -> bool:
    return any(d == area or d.startswith(area + ".") for d in deps)


def test_only_the_opener_reaches_both_ingest_and_the_simulator() -> None:
    graph = import_graph()
    assert not _imports_area(graph["coverage.ingest"], "coverage.simulate")
    assert not any(_imports_area(deps, "coverage.ingest")
                   for m, deps in graph.items() if m.startswith("coverage.simulate"))
    both = {m for m, deps in graph.items() if _imports_area(deps, "coverage.ingest")
            and _imports_area(deps, "coverage.simulate")}
    assert both == {"coverage.opener"}


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1


def test_no_long_functions() -> None:
    long = []
    for path in [*PACKAGE.rglob("*.py"), *APP_FILES]:
        limit = MAX_LINES_SIMULATOR if "simulate" in path.parts else MAX_LINES
        long += [f"{path.relative_to(REPO)}:{name} ({n} lines)"
                 for name, n in _functions(path) if n > limit]
    assert long == []


# Store subfolders and files: spelled by coverage/store.py only.
_LAYOUT = re.compile(r"""["'](predictions|predictions_family|responsibilities|attribution|"""
                     r"""evaluation|tracking|manifest\.json|meta\.json)["'/]""")


def test_only_the_store_spells_its_layout() -> None:
    allowed = {PACKAGE / "store.py", PACKAGE / "generations.py"}  # ingest uses their helpers
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), *APP_FILES]:
        if path in allowed:
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if _LAYOUT.search(code) and " / " in code:
                offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert offenders == []


def test_environment_is_read_in_one_place() -> None:
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), *APP_FILES]:
        text = path.read_text()
        for m in re.finditer(r"environ(?:\.get)?\(?\[?\s*[\"'](COVERAGE_[A-Z_]+)", text):
            if path != PACKAGE / "config.py":
                offenders.append(f"{path.relative_to(REPO)}: {m.group(1)}")
    assert offenders == []


def test_project_imports_sit_at_the_top_of_modules() -> None:
    """An import inside a function hides a dependency (and the loops it makes). Only the
    command layer defers its imports, so that `coverage --help` does not pay for torch."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        if "commands" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("coverage"):
                    hidden.append(f"{path.relative_to(REPO)}:{sub.lineno} {sub.module}")
                elif isinstance(sub, ast.Import) and any(
                        a.name.startswith("coverage") for a in sub.names):
                    hidden.append(f"{path.relative_to(REPO)}:{sub.lineno}")
    assert hidden == []
