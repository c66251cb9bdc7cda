"""`frameworks`, `schema` and `compute`: the engine without a database of scenarios."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.common import (
    EXIT_OK,
    get_framework,
    json_object,
    read_text,
    shown_json,
    user_catalog,
    validate_inputs,
)


def add_parser(commands: Any, db_option: argparse.ArgumentParser) -> None:
    cmd = commands.add_parser(
        "frameworks", parents=[db_option], help="list the frameworks (id and title)"
    )
    cmd.set_defaults(handler=_cmd_frameworks)

    cmd = commands.add_parser(
        "schema", parents=[db_option], help="print the JSON schema of a framework's inputs"
    )
    cmd.add_argument("framework_id", metavar="ID")
    cmd.set_defaults(handler=_cmd_schema)

    cmd = commands.add_parser(
        "compute", parents=[db_option], help="compute a framework's result as JSON"
    )
    cmd.add_argument("framework_id", metavar="ID")
    cmd.add_argument(
        "--inputs",
        metavar="FILE.json",
        help="a JSON object of input values ('-' reads standard input); fields left out keep "
        "their defaults, and without the option every input has its default",
    )
    cmd.set_defaults(handler=_cmd_compute)


def _cmd_frameworks(args: argparse.Namespace) -> int:
    from core.frameworks import ENTRIES

    width = max(len(e.id) for e in ENTRIES)
    for entry in ENTRIES:
        print(f"{entry.id:<{width}}  {entry.title}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    framework = get_framework(args.framework_id)
    print(json.dumps(framework.Inputs.model_json_schema(), indent=2))
    return EXIT_OK


def _cmd_compute(args: argparse.Namespace) -> int:
    framework = get_framework(args.framework_id)
    from core.scenario import MAX_FILE_BYTES

    raw: dict[str, Any] = {}
    if args.inputs is not None:
        # The inputs are a scenario file's inputs object: the same size limit.
        raw = json_object(read_text(args.inputs, MAX_FILE_BYTES), args.inputs)
    inputs = validate_inputs(framework, raw)
    result = framework.compute(inputs, user_catalog(args))
    print(shown_json(result.model_dump_json(indent=2)))
    return EXIT_OK
