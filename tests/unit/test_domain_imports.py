"""Rule 1 of the house: domain code imports the standard library, the kernels and other domains."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "inhouse"
# Domain modules: each context's domain.py, and the pure modules a domain splits into.
PURE_MODULES = {"inhouse.groups.structure"}
DOMAIN_FILES = sorted(
    [*SRC.glob("*/domain.py"), *(SRC.parent / f"{m.replace('.', '/')}.py" for m in PURE_MODULES)]
)
# The small shared kernels of README.md ("money.py, dates.py, errors.py").
KERNELS = {"inhouse.money", "inhouse.dates", "inhouse.errors"}


def imported_modules(source: str) -> list[str]:
    """Every module a file imports, absolute; relative imports are returned as ``.name``."""
    modules: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.append("." * node.level + (node.module or ""))
    return modules


def is_domain(module: str) -> bool:
    """Another context's domain model is pure too (pricing reads a groups Classification)."""
    parts = module.split(".")
    if module in PURE_MODULES:
        return True
    return len(parts) == 3 and parts[0] == "inhouse" and parts[2] == "domain"


def forbidden(modules: list[str]) -> list[str]:
    return [
        m
        for m in modules
        if m.split(".")[0] not in sys.stdlib_module_names and m not in KERNELS and not is_domain(m)
    ]


def test_there_are_domain_files() -> None:
    assert SRC / "groups" / "domain.py" in DOMAIN_FILES


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_domain_imports_only_stdlib_and_kernels(path: Path) -> None:
    modules = imported_modules(path.read_text(encoding="utf-8"))
    assert forbidden(modules) == []


def test_the_check_rejects_frameworks_relative_and_other_inhouse_imports() -> None:
    # given a domain file that imports a framework, a sibling layer and a relative module
    source = (
        "from __future__ import annotations\n"
        "import decimal, json\n"
        "from inhouse.dates import Period\n"
        "import sqlalchemy.orm\n"
        "from pydantic import BaseModel\n"
        "from inhouse.groups.repository import Repo\n"
        "from inhouse.groups.domain import Register\n"
        "from . import services\n"
        "def f() -> None:\n"
        "    import requests\n"
    )
    # then only the standard library and the kernels pass
    assert forbidden(imported_modules(source)) == [
        "sqlalchemy.orm",
        "pydantic",
        "inhouse.groups.repository",
        ".",
        "requests",
    ]
