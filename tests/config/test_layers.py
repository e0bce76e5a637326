"""One direction of dependency, read from the code: the wiring (`config`) on top, the apps in their
order, the `catalogue` base at the bottom (pyproject's import-linter contract), and no import cycle
between two packages or two modules. Imports count wherever they are written: inside functions
and under `if TYPE_CHECKING:` too, so a late import cannot hide a cycle."""

from __future__ import annotations

import graphlib
import tomllib
from pathlib import Path

import grimp
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
PACKAGES: list[str] = LINTER["root_packages"]
(CONTRACT,) = LINTER["contracts"]  # one contract: the layers


def build(*packages: str) -> grimp.ImportGraph:
    # No cache: the graph is read from the files as they are now.
    return grimp.build_graph(
        *packages, include_external_packages=False, exclude_type_checking_imports=False, cache_dir=None
    )


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return build(*PACKAGES)


def package_imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """{package: the other project packages it imports}, from every module-to-module import."""
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] != module.split(".")[0]:
                edges[module.split(".")[0]].add(imported.split(".")[0])
    return edges


def module_imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) - {m} for m in graph.modules}


def a_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its nodes in order, the first repeated at the end), or None."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        return exc.args[1]
    return None


def test_every_package_of_the_project_is_in_the_contract():
    found = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert found == set(PACKAGES)


def test_grimp_counts_imports_inside_functions_and_for_type_checking(tmp_path, monkeypatch):
    package = tmp_path / "layers_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def late():\n    from layers_probe import high\n")
    (package / "high.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from layers_probe import low\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = build("layers_probe")
    assert probe.direct_import_exists(importer="layers_probe.low", imported="layers_probe.high")
    assert probe.direct_import_exists(importer="layers_probe.high", imported="layers_probe.low")
    assert a_cycle(module_imports(probe)) is not None


def test_no_cycle_between_packages(graph):
    cycle = a_cycle(package_imports(graph))
    assert cycle is None, "packages import each other: " + " -> ".join(cycle)


def test_no_cycle_between_modules(graph):
    cycle = a_cycle(module_imports(graph))
    assert cycle is None, "modules import each other: " + " -> ".join(cycle)


def test_the_layers_hold(graph):
    layers = [grimp.Layer(*(name.strip() for name in layer.split("|"))) for layer in CONTRACT["layers"]]
    assert [layer.module_tails for layer in layers][0] == {"config"}
    assert [layer.module_tails for layer in layers][-1] == {"catalogue"}
    assert not CONTRACT.get("ignore_imports")
    illegal = graph.find_illegal_dependencies_for_layers(layers=layers)
    assert not illegal, "imports up the layers: " + ", ".join(
        f"{d.importer} -> {d.imported}" for d in illegal
    )


def test_a_late_import_of_an_app_in_the_base_is_a_cycle(graph):
    """What the checks above catch: `from products import x` inside a function of catalogue/."""
    graph.add_import(
        importer="catalogue.orderings", imported="products.models", line_number=1, line_contents=""
    )
    try:
        assert a_cycle(package_imports(graph)) is not None
        layers = [grimp.Layer(name) for name in ("products", "catalogue")]
        assert graph.find_illegal_dependencies_for_layers(layers=layers)
    finally:
        graph.remove_import(importer="catalogue.orderings", imported="products.models")
