"""The packages' imports run one way (docs/architecture.md, "Which way imports run"):

    demo ──> any app          dashboard ──> grids ──> pingxiang (the kernel)
    petitions ──> cases ──> grids         rectification ──> grids

The kernel imports no app at load time (only urls.py wires the apps' URLconfs in); a
function-local import says why it must be lazy; no module imports another's _private name.
The test reads the source, so a wrong arrow fails here before it becomes a cycle at start-up."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL = "pingxiang"
MAY_IMPORT = {
    KERNEL: set(),
    "grids": {KERNEL},
    "cases": {KERNEL, "grids"},
    "petitions": {KERNEL, "grids", "cases"},
    "rectification": {KERNEL, "grids"},
    "dashboard": {KERNEL, "grids"},
    "messaging": {KERNEL, "grids"},
    "demo": {KERNEL, "grids", "cases", "petitions", "rectification", "dashboard", "messaging"},
}
PACKAGES = set(MAY_IMPORT)
KERNEL_WIRING = {"pingxiang/urls.py"}  # the one kernel module that names the apps


def _modules():
    for package in sorted(PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield package, path


def _imports(path):
    """(node, imported package, whether it sits inside a function) for each import."""
    tree = ast.parse(path.read_text())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            yield node, name.split(".")[0], id(node) in inside


def _edges():
    edges = []
    for package, path in _modules():
        for node, target, local in _imports(path):
            if target in PACKAGES and target != package:
                edges.append((package, target, str(path.relative_to(ROOT)), node.lineno, local))
    return edges


def test_every_arrow_points_the_allowed_way():
    wrong = []
    for source, target, where, line, local in _edges():
        if target in MAY_IMPORT[source] or where in KERNEL_WIRING:
            continue
        if source == KERNEL and local:
            continue  # a lazy import with its reason, checked below
        wrong.append(f"{where}:{line} {source} -> {target}")
    assert wrong == []


def test_the_kernel_names_no_app_at_load_time_and_says_why_when_it_must():
    lazy = [(where, line) for source, target, where, line, local in _edges()
            if source == KERNEL and where not in KERNEL_WIRING]
    for where, line in lazy:
        text = (ROOT / where).read_text().splitlines()[line - 1]
        assert "# lazy:" in text, f"{where}:{line} imports an app without saying why"


def test_no_cycle_between_packages():
    graph = {p: set() for p in PACKAGES}
    for source, target, where, _line, _local in _edges():
        if where not in KERNEL_WIRING:
            graph[source].add(target)

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n)))
                   for n in graph[start])

    assert [p for p in sorted(PACKAGES) if reaches(p, p)] == []


def _says_why(lines, index):
    """A comment on the import's line, or above the group of imports it belongs to."""
    while index >= 0:
        text = lines[index].strip()
        if "#" in text:
            return True
        if not text.startswith(("import ", "from ")):
            return False
        index -= 1
    return False


def test_function_local_imports_say_why_they_are_lazy():
    silent = []
    for _package, path in _modules():
        lines = path.read_text().splitlines()
        for node, _target, local in _imports(path):
            if local and not _says_why(lines, node.lineno - 1):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_no_private_name_is_imported_from_another_module():
    private = []
    for _package, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                private += [f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{a.name}"
                            for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []


def test_the_test_sees_a_wrong_arrow(tmp_path, monkeypatch):
    """The walk finds imports at module level and in functions, so it can fail."""
    module = tmp_path / "grids" / "bad.py"
    module.parent.mkdir()
    module.write_text("from cases.models import Case\n\ndef f():\n    from petitions import x\n")
    found = [(target, local) for _node, target, local in _imports(module)]
    assert found == [("cases", False), ("petitions", True)]
