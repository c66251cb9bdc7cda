"""`scenarios list/show/compare/export/import`: the saved scenarios of the database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    EXIT_OK,
    CliError,
    get_framework,
    one_line,
    open_store,
    print_table,
    read_text,
    shown,
    user_catalog,
)
from cli.tracking import add_scenario_verbs

if TYPE_CHECKING:
    from operations.scenarios import SavedScenario


def add_parser(commands: Any, db_option: argparse.ArgumentParser) -> None:
    scenarios = commands.add_parser("scenarios", parents=[db_option], help="saved scenarios")
    actions = scenarios.add_subparsers(title="actions", metavar="ACTION", required=True)
    cmd = actions.add_parser("list", parents=[db_option], help="list the saved scenarios")
    cmd.add_argument("--search", metavar="TEXT", default="", help="text in the name or notes")
    cmd.add_argument("--framework", metavar="ID", help="only this framework's scenarios")
    cmd.set_defaults(handler=_cmd_scenarios_list)
    cmd = actions.add_parser(
        "show",
        parents=[db_option],
        help="print a saved result and what today's catalog would change in it",
    )
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument(
        "--version", type=int, metavar="N", help="this saved version (default: the latest)"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    cmd.set_defaults(handler=_cmd_scenarios_show)
    cmd = actions.add_parser(
        "compare",
        parents=[db_option],
        help="two scenarios of one framework: both results and the inputs that differ",
    )
    cmd.add_argument("a", metavar="A")
    cmd.add_argument("b", metavar="B")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    cmd.set_defaults(handler=_cmd_scenarios_compare)
    cmd = actions.add_parser("export", parents=[db_option], help="write a scenario file")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--out", metavar="FILE", required=True)
    cmd.set_defaults(handler=_cmd_scenarios_export)
    cmd = actions.add_parser(
        "import", parents=[db_option], help="add a scenario from a file; prints its saved name"
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.set_defaults(handler=_cmd_scenarios_import)
    add_scenario_verbs(actions, db_option)


def saved_scenario(
    args: argparse.Namespace, name: str, version: int | None = None
) -> SavedScenario:
    """The scenario `name` at `version` (the latest by default), computed from the evidence it
    was saved with, as the window shows it."""
    from operations import scenarios as scenario_ops

    try:
        with open_store(args) as store:
            scenario, chosen = scenario_ops.find_version(store, name, version)
        return scenario_ops.open_version(scenario, lambda: user_catalog(args), chosen)
    except scenario_ops.ScenarioError as exc:
        raise CliError(*exc.lines) from None


def _verdict_line(result: Any) -> str:
    """The recommendation in words and the headline, once: a headline that already opens with
    it ("Build: it pays back ...", "gpt-4o (batch): quality ...") is not prefixed again."""
    from core.frameworks.common import recommendation_label

    label = one_line(recommendation_label(result.recommendation))
    headline = one_line(result.headline)
    return headline if headline.startswith(label) else f"{label}: {headline}"


def _cmd_scenarios_list(args: argparse.Namespace) -> int:
    if args.framework is not None:
        get_framework(args.framework)
    with open_store(args) as store:
        scenarios = store.summaries(search=args.search, framework_id=args.framework)
    if not scenarios:
        print("No scenarios.")
        return EXIT_OK
    from core.frameworks.common import recommendation_label

    rows = [("NAME", "FRAMEWORK", "VERSION", "UPDATED", "RECOMMENDATION")]
    for sc in scenarios:
        rows.append(
            (
                one_line(sc.name),
                sc.framework_id,
                str(sc.version),
                sc.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                # In words, as on screen ("Do not ship", not do_not_ship); --json keeps codes.
                one_line(recommendation_label(sc.recommendation))
                if sc.recommendation is not None
                else "-",
            )
        )
    print_table(rows)
    return EXIT_OK


def _cmd_scenarios_show(args: argparse.Namespace) -> int:
    saved = saved_scenario(args, args.name, args.version)
    scenario, chosen, framework, view = saved.scenario, saved.version, saved.framework, saved.view
    drift = view.drift
    if args.json:
        data = scenario.model_dump(mode="json")
        data.update(
            version=chosen.version,
            inputs=chosen.inputs,
            notes=chosen.notes,
            evidence=chosen.evidence,
            result=view.result.model_dump(mode="json"),
            evidence_recorded=view.recorded,
            basis=view.notes,
            drift=None if drift is None else drift.to_json(),
            today_result=None if drift is None else drift.today_result.model_dump(mode="json"),
        )
        print(json.dumps(data, indent=2))
        return EXIT_OK
    from core.evidence import quality_basis

    r = view.result
    print(
        f"{one_line(scenario.name)} ({framework.TITLE}), version {chosen.version} of "
        f"{scenario.version}"
    )
    print(f"Saved result: {_verdict_line(r)}")
    for line in r.rationale:
        print(f"  - {one_line(line)}")
    ev = view.evidence
    if view.recorded and ev.read:
        print(f"Evidence: {len(ev.models)} catalog model(s), price map {one_line(ev.price_map)}")
        if quality := quality_basis(ev, framework.ID):
            print(one_line(quality))
    elif view.recorded:
        print("Evidence: none needed (this framework does not read the model catalog)")
    for note in view.notes:
        print(one_line(note))
    if drift is None:
        print("Today's catalog gives the same result.")
    else:
        print("Today's catalog differs:")
        for change in drift.changes or ["the catalog changed"]:
            print(f"  - {one_line(change)}")
        print(f"Today's result: {_verdict_line(drift.today_result)}")
    return EXIT_OK


def _cmd_scenarios_compare(args: argparse.Namespace) -> int:
    from operations.scenarios import ScenarioError, compare_saved

    try:
        comparison = compare_saved(saved_scenario(args, args.a), saved_scenario(args, args.b))
    except ScenarioError as exc:
        raise CliError(*exc.lines) from None
    a, va = comparison.a.scenario, comparison.a.view
    b, vb = comparison.b.scenario, comparison.b.view
    inputs, figures = comparison.differing_inputs, comparison.figures
    if args.json:
        side: dict[str, Any] = {
            key: {
                "name": s.name,
                "version": s.version,
                "recommendation": v.result.recommendation,
                "headline": v.result.headline,
                "basis": v.notes,
                "drift": None if v.drift is None else v.drift.to_json(),
                "result": v.result.model_dump(mode="json"),
            }
            for key, s, v in (("a", a, va), ("b", b, vb))
        }
        side["differing_inputs"] = [
            {"name": r.name, "title": r.title, "a": r.a, "b": r.b} for r in inputs
        ]
        side["tables"] = [
            {"name": t.name, "title": t.title, "headers": t.headers, "a": t.a, "b": t.b}
            for t in comparison.tables
            if t.differs
        ]
        side["figures"] = [
            {"key": r.key, "label": r.label, "a": r.a, "b": r.b, "delta": r.delta} for r in figures
        ]
        print(json.dumps({"framework_id": comparison.a.framework.ID, **side}, indent=2))
        return EXIT_OK
    for key, s, v in (("A", a, va), ("B", b, vb)):
        print(f"{key}: {one_line(s.name)} (version {s.version}): {_verdict_line(v.result)}")
        for note in v.notes:
            print(f"   {one_line(note)}")
        if v.drift is not None:
            print(f"   {one_line(v.drift.text)}")
    if inputs:
        # A list-of-rows input (a task mix) is a table of its own below, not one long line.
        tables = {t.name: t for t in comparison.tables if t.differs}
        print_table(
            [("INPUT", "A", "B")]
            + [
                (r.title, f"{len(tables[r.name].a):,} rows", f"{len(tables[r.name].b):,} rows")
                if r.name in tables
                else (r.title, one_line(r.a), one_line(r.b))
                for r in inputs
            ]
        )
        for table in tables.values():
            for key, rows in (("A", table.a), ("B", table.b)):
                print(f"{table.title}, {key}:")
                print_table(
                    [tuple(h.upper() for h in table.headers)]
                    + [tuple(one_line(c) for c in row) for row in rows]
                )
    else:
        print("The inputs are the same.")
    print_table(
        [("FIGURE", "A", "B", "B - A")]
        + [(r.label, one_line(r.a), one_line(r.b), r.delta) for r in figures]
    )
    return EXIT_OK


def _cmd_scenarios_export(args: argparse.Namespace) -> int:
    from operations.scenarios import export_scenario_file

    with open_store(args) as store:
        scenario = store.get_by_name(args.name)
        if scenario.id is None:
            raise CliError(f"scenario '{args.name}' has no id in the database")
        export_scenario_file(store, scenario.id, Path(args.out))
    print(f"Exported '{one_line(scenario.name)}' to {args.out}")
    return EXIT_OK


def _cmd_scenarios_import(args: argparse.Namespace) -> int:
    from core.scenario import MAX_FILE_BYTES, ScenarioFileError, too_large
    from operations.scenarios import read_scenario_text

    try:
        # The file's format and its inputs (against the engine) are checked before the
        # database is opened: a scenario that could never be computed is refused.
        scenario = read_scenario_text(read_text(args.file, MAX_FILE_BYTES, too_large))
    except ScenarioFileError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    with open_store(args) as store:
        saved = store.import_scenario(scenario)
    print(shown(saved.name))
    return EXIT_OK
