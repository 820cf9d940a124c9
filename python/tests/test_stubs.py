"""The hand-kept stubs in _native.pyi match the runtime module."""

import ast
import inspect
from pathlib import Path

import dialcore
from dialcore import _native

STUB = Path(dialcore.__file__).with_name("_native.pyi")


def _stub_tree():
    return ast.parse(STUB.read_text())


def _public(names):
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def _stub_top_level():
    names = set()
    classes = {}
    for node in _stub_tree().body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            classes[node.name] = members
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names, classes


def test_stub_file_is_installed():
    assert STUB.is_file()
    assert Path(dialcore.__file__).with_name("py.typed").is_file()


def test_module_names_match():
    stub_names, _ = _stub_top_level()
    runtime = _public(dir(_native)) - {"__version__"} | {"__version__"}
    runtime = {n for n in runtime if not inspect.ismodule(getattr(_native, n))}
    assert stub_names == runtime


def test_class_members_match():
    _, classes = _stub_top_level()
    for cls_name, members in classes.items():
        cls = getattr(_native, cls_name)
        if issubclass(cls, BaseException):
            continue
        runtime = {n for n in vars(cls) if not n.startswith("_")}
        stub = {n for n in members if not n.startswith("_")}
        assert stub == runtime, cls_name
        for dunder in members - stub:
            if dunder != "__init__":
                assert hasattr(cls, dunder), (cls_name, dunder)


def test_package_exports_exist():
    for name in dialcore.__all__:
        assert hasattr(dialcore, name), name
