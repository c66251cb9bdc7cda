"""The app as it is installed: the shipped files in the wheel and found through
importlib.resources, one version, the icon and desktop entry, and (slow) the PyInstaller
folder app running headless."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

import resources
from core import APP_NAME, APP_VERSION
from core.catalog import parse_example_csv
from core.datasets import parse_dataset
from core.frameworks import REGISTRY, ids
from core.scenario import parse_scenario_file

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = ("core", "storage", "operations", "cli", "ui", "resources")
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "QT_QPA_PLATFORM": "offscreen"}


def _shipped_in_checkout() -> set[str]:
    """Every file under resources/ in this checkout, as a path inside the package."""
    folder = ROOT / "resources"
    return {
        p.relative_to(ROOT).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_shipped_file_loads_through_importlib_resources() -> None:
    examples = resources.example_scenarios()
    listed = sorted(e.name for e in (files("resources") / "examples").iterdir())
    assert [p.name for p in examples] == [n for n in listed if n.endswith(".json")]
    assert {f"resources/examples/{p.name}" for p in examples} == {
        name for name in _shipped_in_checkout() if name.startswith("resources/examples/")
    }, "every example in the checkout is offered"
    known = set(ids())
    frameworks = {
        parse_scenario_file(p.read_text(encoding="utf-8"), known).framework_id for p in examples
    }
    assert frameworks == known, "an example for every framework"

    scores = parse_example_csv(resources.example_scores().read_text(encoding="utf-8"))
    assert len(scores) >= 5

    demo = resources.demo_dataset()
    parsed = parse_dataset(demo.read_bytes(), None, file_name=demo.name)
    assert parsed.ok and len(parsed.items) == 30

    svg = resources.app_icon_svg().read_text(encoding="utf-8")
    assert "<svg" in svg and f"<title>{APP_NAME}</title>" in svg
    assert _png_size(resources.app_icon_png().read_bytes()) == (256, 256)


def test_one_version_source() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "core.APP_VERSION"}


def test_the_wheel_carries_the_shipped_files_and_the_version(tmp_path: Path) -> None:
    # Built from a copy, so a stale build/ folder in the checkout cannot fill a gap; offline,
    # with the setuptools of the test extra.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "main.py"):
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(tmp_path / "out"), str(source)],
        check=True, cwd=tmp_path, env=ENV, capture_output=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        meta = archive.read(metadata).decode()
        scripts = archive.read(entry_points).decode()
    assert _shipped_in_checkout() <= names, sorted(_shipped_in_checkout() - names)
    assert "main.py" in names
    assert f"\nVersion: {APP_VERSION}\n" in meta
    assert "aidf = main:main" in scripts


def test_the_icon_png_is_the_svg_rendered(qapp: object) -> None:
    spec = importlib.util.spec_from_file_location("render_icon", ROOT / "packaging/render_icon.py")
    assert spec is not None and spec.loader is not None
    render_icon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_icon)
    from PySide6.QtGui import QImage

    drawn = render_icon.render(resources.app_icon_svg().read_bytes())
    shipped = QImage(str(resources.app_icon_png())).convertToFormat(drawn.format())
    assert (shipped.width(), shipped.height()) == (drawn.width(), drawn.height()) == (256, 256)
    # Antialiasing may differ by a step between Qt builds; a changed drawing differs by far more.
    shipped_bytes, drawn_bytes = bytes(shipped.constBits()), bytes(drawn.constBits())
    worst = max(abs(a - b) for a, b in zip(shipped_bytes, drawn_bytes, strict=True))
    assert worst <= 16, "run `python packaging/render_icon.py` after editing the SVG"


def test_desktop_entry_names_the_command_and_the_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(ROOT / "packaging" / f"{resources.DESKTOP_ID}.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == APP_NAME
    assert desktop["Exec"] in PYPROJECT["project"]["scripts"]
    assert desktop["Icon"] == resources.DESKTOP_ID
    assert {"Office", "Development"} <= set(desktop["Categories"].split(";"))


def test_the_app_says_its_icon_and_desktop_entry() -> None:
    # A fresh process: the test session's QApplication exists before make_app could set these.
    probe = (
        "from ui.app import make_app; app = make_app(); "
        "print(app.desktopFileName(), app.windowIcon().isNull(), "
        "app.windowIcon().availableSizes()[0].width())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, cwd=ROOT, env=ENV, capture_output=True,
        text=True,
    ).stdout.split()  # fmt: skip
    assert out == [resources.DESKTOP_ID, "False", "256"]


@pytest.mark.slow
def test_the_pyinstaller_folder_app_runs_headless(tmp_path: Path) -> None:
    """`make dist`'s build, then the built app lists the frameworks and computes as the source."""
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath",
         str(tmp_path / "dist"), "--workpath", str(tmp_path / "build"),
         str(ROOT / "packaging" / "aidf.spec")],
        check=True, cwd=tmp_path, env=ENV, capture_output=True,
    )  # fmt: skip
    app = tmp_path / "dist" / "aidf" / "aidf"
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"requests_per_day": 5000}), encoding="utf-8")

    def aidf(command: list[str], *args: str) -> str:
        db = ["--db", str(tmp_path / f"{command[0]}.sqlite3")]
        done = subprocess.run(
            [*command, *db, *args], cwd=tmp_path, env=ENV, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert aidf([str(app)], "--version").strip() == f"{APP_NAME} {APP_VERSION}"
    listed = aidf([str(app)], "frameworks").splitlines()
    assert [line.split()[0] for line in listed] == [fw.ID for fw in REGISTRY]
    compute = ("compute", "cost_quality_latency", "--inputs", str(inputs))
    built = aidf([str(app)], *compute)
    assert json.loads(built)["figures"], "a result with its figures"
    assert built == aidf([sys.executable, str(ROOT / "main.py")], *compute)
    # litellm's price map is in the folder: the catalog lists its models with prices.
    assert "gpt-4o-mini" in aidf([str(app)], "catalog")
    shipped = app.parent / "_internal"
    assert {n for n in _shipped_in_checkout() if not n.endswith(".py")} <= {
        p.relative_to(shipped).as_posix() for p in (shipped / "resources").rglob("*")
    }
