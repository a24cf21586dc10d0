"""Names: no function's local variable or argument hides a module its file imports (a local
`lots` next to `from lotedge.state import lots` reads as the module and is not)."""

from __future__ import annotations

import ast

from tests.conftest import REPO

SRC = REPO / "src" / "lotedge"


def _module_names(tree: ast.Module) -> set[str]:
    """The names `tree` binds to modules: `import x [as y]`, and `from lotedge.p import m [as
    y]` where m is a module of lotedge."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lotedge"):
            package = SRC.parent.joinpath(*(node.module or "").split("."))
            for alias in node.names:
                if (package / f"{alias.name}.py").exists() or (package / alias.name).is_dir():
                    names.add(alias.asname or alias.name)
    return names


def hidden_modules(source: str) -> set[str]:
    """'function: name' for each local name of a function that is also a module name."""
    tree = ast.parse(source)
    modules = _module_names(tree)
    found = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        arguments = function.args
        local = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        local |= {
            node.id
            for node in ast.walk(function)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        }
        name = getattr(function, "name", "lambda")
        found |= {f"{name}: {hidden}" for hidden in local & modules}
    return found


def test_no_local_name_hides_an_imported_module():
    offenders = {
        f"{path.relative_to(SRC)} {where}"
        for path in SRC.rglob("*.py")
        for where in hidden_modules(path.read_text())
    }
    assert offenders == set()


def test_a_hidden_module_is_found():
    source = (
        "from lotedge.state import lots\n"
        "import json\n"
        "def context(json):\n"
        "    lots = {1}\n"
        "    return [x for x in lots]\n"
    )
    assert hidden_modules(source) == {"context: lots", "context: json"}
    assert (
        hidden_modules("from lotedge.state.lots import allocate\ndef f(allocate): pass\n") == set()
    )
