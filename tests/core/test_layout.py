"""The package's shape, checked by walking its imports with `ast` (module- and function-level alike):
no import circles; science modules import nothing from MLflow, S3 or KFP; a family imports `core`
(and the shared face-image layer), never another family; every package is installed."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
NOT_FAMILIES = {"core", "faceimage"}
# the platform glue of a family: its pipeline stages and the distributed launcher's entry points
PLATFORM = {"stages", "search_stages", "eval_stages", "launcher", "train_entry", "serving"}
FORBIDDEN = ("mlflow", "kfp", "minio", "boto3", "botocore", "paperline.core.experiments", "paperline.core.promotion",
             "paperline.core.storage", "paperline.core.ingest", "paperline.core.trainjob", "paperline.core.tasklog")


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted((SRC / "paperline").rglob("*.py")):
        name = ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        out[name] = p
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Absolute names a module imports (relative imports resolved)."""
    pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return found


def _graph():
    mods = _modules()
    edges = {}
    for m, p in mods.items():
        targets = set()
        for t in _imports(m, p):
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != m and not m.startswith(t + "."):
                targets.add(t)
        edges[m] = targets
    return mods, edges


def test_no_import_circles():
    mods, edges = _graph()
    state, stack, circles = {}, [], []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == 1:
                circles.append(" -> ".join(stack[stack.index(v):] + [v]))
            elif v not in state:
                visit(v)
        state[u] = 2
        stack.pop()

    for m in mods:
        if m not in state:
            visit(m)
    assert not circles, "import circles:\n" + "\n".join(circles)


def _family(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] not in NOT_FAMILIES else None


def test_science_modules_import_no_mlflow_s3_or_kfp():
    mods = _modules()
    bad = []
    for m, p in mods.items():
        parts = m.split(".")
        if len(parts) < 3 or parts[1] == "core" or parts[-1] in PLATFORM:
            continue
        for t in _imports(m, p):
            if any(t == f or t.startswith(f + ".") for f in FORBIDDEN):
                bad.append(f"{m} imports {t}")
    assert not bad, "science modules must stay free of MLflow, S3 and KFP:\n" + "\n".join(bad)


def test_core_imports_no_family_and_families_import_no_other_family():
    mods, edges = _graph()
    bad = []
    for m, targets in edges.items():
        for t in targets:
            if m.startswith("paperline.core") and (_family(t) or t.startswith("paperline.faceimage")):
                bad.append(f"{m} -> {t}")
            if _family(m) and _family(t) and _family(t) != _family(m):
                bad.append(f"{m} -> {t}")
            if m.startswith("paperline.faceimage") and _family(t):
                bad.append(f"{m} -> {t}")
    assert not bad, "\n".join(bad)


def test_every_package_is_installed_and_the_root_holds_only_entry_points():
    declared = set(re.findall(r'"(paperline[\w.]*)"', (ROOT / "pyproject.toml").read_text().split("packages = [")[1]
                              .split("]")[0]))
    found = {".".join(p.parent.relative_to(SRC).parts) for p in (SRC / "paperline").rglob("__init__.py")}
    assert found - declared == set(), f"add these to pyproject's packages: {sorted(found - declared)}"
    assert {p.name for p in (SRC / "paperline").glob("*.py")} == {"__init__.py", "cli.py", "runner.py", "report.py"}
    assert sorted(p.stem for p in (ROOT / "components").glob("*.py") if not p.stem.startswith("_")) == \
        ["asr", "face", "gan", "landmarks", "parsing", "platform", "recsys", "timeseries", "tracker"]
    assert not (SRC / "paperline" / "kfp_stub.py").exists() and (ROOT / "tests" / "support" / "kfp_stub.py").exists()
