"""The report command: a stored scenario recomputed and written as Markdown, HTML or PDF."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

import main
from core import APP_VERSION
from storage import ScenarioStore


def test_markdown_report(run_cli, save_scenario, tmp_path: Path) -> None:
    save_scenario("Q3 plan", notes="Agreed in the planning call.")
    out = tmp_path / "q3.md"
    proc = run_cli("report", "Q3 plan", "--format", "md", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Q3 plan: Build vs Buy\n")
    assert "Chosen option: **Build**" in text
    assert f"AI Decision Frameworks {APP_VERSION}" in text
    assert "Agreed in the planning call." in text
    assert "| API cost per year | $2,500,000 |" in text
    # A saved version, as the window's export of a saved tab without edits says.
    assert "**Status:** Accepted" in text


def test_html_report_embeds_the_plots_and_escapes_user_text(
    run_cli, save_scenario, tmp_path: Path
) -> None:
    save_scenario(
        "Plan <script>alert('name')</script>",
        notes="Careful: <script>alert('note')</script> & <b>bold</b>",
        serving_cost_per_year=3_000_000,
    )
    out = tmp_path / "plan.html"
    proc = run_cli("report", "Plan <script>alert('name')</script>", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(" in page
    assert "Chosen option: <strong>Buy</strong>" in page
    pngs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert pngs, "the plots should be embedded"
    assert all(base64.b64decode(p).startswith(b"\x89PNG") for p in pngs)


def test_pdf_report(run_cli, save_scenario, tmp_path: Path) -> None:
    save_scenario("Q3 plan")
    out = tmp_path / "q3.pdf"
    proc = run_cli("report", "Q3 plan", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    # Text streams are compressed; several pages of text plus three embedded plots weigh
    # far more than an empty page (about 1 kB).
    assert len(data) > 50_000
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)
    assert len(pages) >= 2


def test_report_recomputes_with_the_current_engine(
    store: ScenarioStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stored result is stale on purpose: the report must show today's computation."""
    store.create(
        "build_vs_buy",
        "Stale",
        {"serving_cost_per_year": 3_000_000},
        {"recommendation": "build", "headline": "an old answer"},
    )
    out = tmp_path / "stale.md"
    assert main.main(["report", "Stale", "--out", str(out)]) == 0
    text = out.read_text()
    assert "Chosen option: **Buy**" in text
    assert "an old answer" not in text
    assert "| Breakeven | never |" in text


def test_format_given_explicitly_wins_over_the_suffix(
    save_scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_scenario("Plain")
    out = tmp_path / "plain.txt"
    assert main.main(["report", "Plain", "--format", "md", "--out", str(out)]) == 0
    assert out.read_text().startswith("# Plain: Build vs Buy")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "{tmp}/plain.txt"], "cannot tell the report format from"),
        (["--format", "md", "--out", "{tmp}/missing/plain.md"], "does not exist"),
        (["--format", "docx", "--out", "{tmp}/plain.docx"], "invalid choice: 'docx'"),
    ],
)
def test_report_refusals(
    args: list[str],
    expected: str,
    save_scenario,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    save_scenario("Plain")
    assert main.main(["report", "Plain", *[a.format(tmp=tmp_path) for a in args]]) == 2
    assert expected in capsys.readouterr().err
    assert list(tmp_path.glob("plain*")) == []


def test_report_of_a_scenario_with_invalid_stored_inputs(
    store: ScenarioStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.create("build_vs_buy", "Broken", {"training_cost": -1, "legacy_field": 3})
    assert main.main(["report", "Broken", "--out", str(tmp_path / "b.md")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: scenario 'Broken': training_cost: must be at least $0",
        "error: scenario 'Broken': legacy_field: unknown field",
    ]


def test_report_of_a_scenario_whose_framework_is_gone(
    store: ScenarioStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.create("crystal_ball", "Oracle", {})
    assert main.main(["report", "Oracle", "--out", str(tmp_path / "o.md")]) == 2
    assert "unknown framework 'crystal_ball'" in capsys.readouterr().err
