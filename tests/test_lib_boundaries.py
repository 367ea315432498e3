import ast
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent / "lib"


def test_lib_never_imports_streamlit():
    offenders = []
    for path in LIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"streamlit", "ui"}]
    assert offenders == []
