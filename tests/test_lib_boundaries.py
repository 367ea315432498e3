"""The layout's rules, read from the source: lib/ never imports Streamlit or ui; lib's packages import only
packages before them on the data's way; pages import only ui and the query interface."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"
# The data's way: a package may import the ones before it, never one after it.
ORDER = ("mentions", "text", "store", "sources", "qualtrics", "queries", "charts", "export", "alerts")
ROOT_MODULES = {"cache", "errors", "paths", "settings"}  # at lib's root, for every package
TOP = {"cli", "__main__"}  # lib's entry points, which may import any package


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def owner(path: Path) -> str:
    """The package a lib module belongs to (its stem for a module at lib's root)."""
    parts = path.relative_to(LIB).parts
    return parts[0] if len(parts) > 1 else path.stem


def allowed(importer: str, imported: str) -> bool:
    if importer == imported or imported in ROOT_MODULES or importer in TOP:
        return True
    if importer in ROOT_MODULES:
        return imported in ROOT_MODULES
    return importer in ORDER and imported in ORDER and ORDER.index(imported) < ORDER.index(importer)


def test_lib_never_imports_streamlit():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in LIB.rglob("*.py")
        for name in imports(path)
        if name.split(".")[0] in {"streamlit", "ui"}
    ]
    assert offenders == []


def test_every_lib_module_is_in_a_known_package():
    unknown = {owner(p) for p in LIB.rglob("*.py")} - set(ORDER) - ROOT_MODULES - TOP - {"__init__"}
    assert unknown == set(), "add the package to ORDER in its place on the data's way"


def test_packages_import_only_packages_before_them():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in LIB.rglob("*.py")
        for name in imports(path)
        if name.startswith("lib.") and not allowed(owner(path), name.split(".")[1])
    ]
    assert offenders == []


def test_the_order_rule_sees_a_backward_import():
    assert not allowed("store", "queries") and not allowed("mentions", "text") and not allowed("errors", "store")
    assert allowed("queries", "store") and allowed("cli", "export") and allowed("text", "errors")


def test_pages_import_only_ui_and_the_query_interface():
    offenders = [
        f"{path.name}: {name}"
        for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
        for name in imports(path)
        if name.startswith("lib") and not name.startswith("lib.queries")
    ]
    assert offenders == [], "reach lib through a ui module or the query interface"
