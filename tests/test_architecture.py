"""Boundaries the house style promises: one path (faces -> pipeline -> capabilities -> schema), no import circles,
no Streamlit internals, and slrs/ knows no screen but for one adapter module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLRS = ROOT / "slrs"
UI_ADAPTER = "ui.py"
FACES = {"ui", "cli", "cli_commands", "cli_train", "cli_explain", "cli_dask", "cli_monitor", "cli_report",
         "__main__"}  # the app's adapter and the command line
# Run the pipeline's own functions for the faces elsewhere (a Dask cluster) or into the store: between the two.
ENGINES = {"distributed", "monitoring"}
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted(SLRS.glob("*.py"))]
# Public Streamlit modules the product may import; everything else under streamlit.* is internal.
PUBLIC_STREAMLIT = {"streamlit", "streamlit.typing"}
# The main path's steps: a page that calls one of them itself would build its own copy of the path.
PIPELINE_STEPS = {"load_portfolio", "build_view", "score_rows", "plan_actions", "plan_view", "check_drift",
                  "build_committee_pack", "sweep_thresholds", "compare_plans"}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, line, at top level) of every import in ``path``; relative imports are not used here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A top-level ``if TYPE_CHECKING:`` block holds imports for annotations only: never run, so never a dodge.
    annotations_only = [node.body for node in tree.body
                        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"]
    # A top-level ``with`` block runs once, at import, like the statements around it (app.py imports in one).
    module_blocks = [node.body for node in tree.body if isinstance(node, ast.With)]
    top = {id(node) for node in [*tree.body, *(statement for block in [*annotations_only, *module_blocks]
                                               for statement in block)]}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] if node.module == "slrs" else [node.module]
            found += [(name, node.lineno, id(node) in top) for name in names]
    return found


def _lazy_imports(path: Path) -> list[str]:
    """Modules ``path`` loads with ``importlib.import_module`` by a literal name or a module-level constant: the
    documented lazy loads are edges of the graph like any import (a name computed at run time cannot be seen)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module" \
                and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append(argument.value)
            elif isinstance(argument, ast.Name) and argument.id in constants:
                found.append(constants[argument.id])
    return found


def _slrs_graph() -> dict[str, set[str]]:
    modules = {path.stem for path in SLRS.glob("*.py")}
    return {path.stem: {name.split(".")[1] for name in [*(name for name, _, _ in _imports(path)), *_lazy_imports(path)]
                        if name.startswith("slrs.") and name.split(".")[1] in modules}
            for path in SLRS.glob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target] if target in path else [module, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_slrs_has_no_import_circle() -> None:
    assert _cycle(_slrs_graph()) is None


def test_lazy_loads_are_edges_of_the_graph() -> None:
    graph = _slrs_graph()
    assert "report" in graph["pipeline"]  # PACK_MODULE
    assert {"store", "monitoring"} <= graph["ui"]


def test_the_circle_check_can_fail() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", APP_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_import_inside_a_function(path: Path) -> None:
    # An import inside a function is how a circle gets dodged; the house has none.
    assert [(name, line) for name, line, top in _imports(path) if not top] == []


@pytest.mark.parametrize("path", APP_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_streamlit_internals(path: Path) -> None:
    internal = [(name, line) for name, line, _ in _imports(path)
                if name.split(".")[0] == "streamlit" and name not in PUBLIC_STREAMLIT]
    assert internal == []


def test_imports_point_down_from_the_faces_through_the_pipeline() -> None:
    graph = _slrs_graph()
    users_of_faces = {module for module, targets in graph.items() if targets & FACES and module not in FACES}
    assert users_of_faces == set()
    users_of_pipeline = {module for module, targets in graph.items() if "pipeline" in targets}
    assert users_of_pipeline <= FACES | ENGINES
    users_of_engines = {module for module, targets in graph.items() if targets & ENGINES}
    assert users_of_engines <= FACES
    assert graph["schema"] <= {"exceptions"}  # the bottom layer


@pytest.mark.parametrize("path", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), SLRS / "cli.py",
                                  SLRS / "cli_commands.py", SLRS / "cli_dask.py", SLRS / "cli_report.py",
                                  SLRS / "report.py"],
                         ids=lambda path: path.name)
def test_faces_reach_the_main_path_only_through_the_pipeline(path: Path) -> None:
    # The app's pages, the command line and the pack take each step's result from the pipeline.
    names = {node.id if isinstance(node, ast.Name) else node.attr
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, (ast.Name, ast.Attribute))}
    assert names & PIPELINE_STEPS == set()


def test_slrs_modules_do_not_import_streamlit_outside_the_adapter() -> None:
    offenders = [path.name for path in SLRS.glob("*.py") if path.name != UI_ADAPTER
                 and re.search(r"^\s*(import streamlit|from streamlit)", path.read_text(), re.MULTILINE)]
    assert offenders == []


def test_slrs_library_code_does_not_print() -> None:
    faces = {f"{module}.py" for module in FACES if module.startswith("cli")} | {"__main__.py"}
    offenders = [path.name for path in SLRS.glob("*.py") if path.name not in faces
                 and re.search(r"^\s*print\(", path.read_text(), re.MULTILINE)]
    assert offenders == []


def test_output_columns_are_spelled_only_in_the_schema() -> None:
    # Column names written once: the output columns join the schema, other modules use its constants.
    spelled = {path.name for path in SLRS.glob("*.py") if path.name != "schema.py"
               and re.search(r"""["']Expected_Net_Recovery["']\s*,\s*["']Data_Issues["']""", path.read_text())}
    assert spelled == set()
