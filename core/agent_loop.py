"""The agent trial: a native tool-calling loop over an LlmClient, its safe built-in tools, and
the loop figures (iterations, tokens, cost) measured from finished trials."""

from __future__ import annotations

import ast
import json
import logging
import math
import operator
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from core import stats
from core.files import FileTooLargeError, read_bytes
from core.llm import Completion, LlmClient, LlmError, ToolCall, describe_bytes
from core.text import name_problem

log = logging.getLogger(__name__)

DEFAULT_SYSTEM_PROMPT = (
    "You are a careful assistant solving the user's task step by step. Use the tools you are "
    "given instead of guessing (the calculator for any arithmetic); call a tool whenever it "
    "helps, then read its result. When you have the final answer, reply with it in plain text "
    "and without calling any tool."
)

MAX_ITERATIONS_LIMIT = 100
MAX_TASK_CHARS = 20_000
# A hostile server can ask for thousands of tool calls (the client refuses more than 64 in one
# reply) and grow the conversation until each request is megabytes: the trial stops first.
MAX_TOOL_CALLS_PER_TRIAL = 256
MAX_REQUEST_BYTES = 1024 * 1024

StepKind = Literal["thought", "tool_call", "tool_result", "answer", "error"]
TrialStatus = Literal["answered", "max_iterations", "cost_cap", "cancelled", "error"]


@dataclass
class TrialConfig:
    """What to run: the task, the model and where it is served, and the limits that stop it.

    There is deliberately no API key here: the key lives in the LlmClient only, so a config can
    be stored, logged or shown without leaking it.
    """

    task: str
    model: str
    api_base: str | None = None
    max_iterations: int = 10
    cost_cap_usd: float = 0.50
    notes_path: Path | None = None
    temperature: float = 0.0
    system_prompt: str = DEFAULT_SYSTEM_PROMPT

    def __post_init__(self) -> None:
        if not self.task.strip():
            raise ValueError("Type a task for the agent.")
        if len(self.task) > MAX_TASK_CHARS:
            raise ValueError(f"The task is too long (at most {MAX_TASK_CHARS:,} characters).")
        if not self.model.strip():
            raise ValueError("Choose a model.")
        # The trial is stored and listed by its model: refused before any call is paid for.
        if problem := name_problem(self.model):
            raise ValueError(f"Check the model: {problem}.")
        if not 1 <= self.max_iterations <= MAX_ITERATIONS_LIMIT:
            raise ValueError(f"Max iterations must be between 1 and {MAX_ITERATIONS_LIMIT}.")
        if not (math.isfinite(self.cost_cap_usd) and self.cost_cap_usd > 0):
            raise ValueError("The cost cap must be a positive number of dollars.")
        if not (math.isfinite(self.temperature) and 0 <= self.temperature <= 2):
            raise ValueError("The temperature must be between 0 and 2.")
        if self.notes_path is not None:
            self.notes_path = Path(self.notes_path)


@dataclass
class AgentStep:
    """One entry of the trace, in the order it happened (`index` counts from 1).

    The tokens, cost and latency of a model call sit on the first step that call produced (a
    thought, the first tool call, the answer or the error), so summing over steps gives the
    trial's totals; a tool's own run time sits on its tool_result (or error) step. `iteration`
    is the model call (from 1) that the step belongs to.
    """

    index: int
    kind: StepKind
    text: str
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    result: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    iteration: int = 0


@dataclass
class TrialOutcome:
    """How a trial ended. `answer` is empty unless `status` is "answered"; `iterations` counts
    model calls; `latency_ms` is the trial's wall time; `stop_reason` says why it stopped."""

    status: TrialStatus
    answer: str
    steps: list[AgentStep]
    iterations: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    stop_reason: str = ""


# Tools


class ToolError(Exception):
    """A tool could not do what was asked; the message goes back to the model as the result."""


CALCULATOR_MAX_CHARS = 500
CALCULATOR_MAX_BITS = 4_000  # about 1,200 decimal digits: far beyond any sensible answer
NOTES_MAX_LINES = 20
NOTES_MAX_CHARS = 4_000
NOTES_MAX_FILE_BYTES = 5_000_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def calculate(expression: str) -> str:
    """Evaluate arithmetic without eval: numbers, + - * / // % **, unary +/-, parentheses.

    The expression is parsed with `ast` and only those nodes are walked; names, calls,
    attributes, subscripts and everything else are refused. Powers are checked before they are
    computed and every intermediate result is bounded, so no input can hang or exhaust memory.
    Raises ToolError with a message for the model.
    """
    text = expression.strip()
    if not text:
        raise ToolError("The expression is empty.")
    if len(text) > CALCULATOR_MAX_CHARS:
        raise ToolError(f"The expression is too long (at most {CALCULATOR_MAX_CHARS} characters).")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"Not an arithmetic expression ({exc.msg}).") from None
    # The length cap also bounds the nesting depth, so this recursion cannot run away.
    try:
        value = _evaluate(tree.body)
    except ZeroDivisionError:
        raise ToolError("Division by zero.") from None
    except OverflowError:
        raise ToolError("The result is too large.") from None
    return _format_number(value)


def _evaluate(node: ast.expr) -> int | float:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ToolError(f"Only numbers are allowed, not {value!r}.")
        return _checked(value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _checked(_UNARY[type(node.op)](_evaluate(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        return _checked(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.BinOp):
        symbol = {ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|", ast.MatMult: "@"}
        shown = symbol.get(type(node.op), type(node.op).__name__)
        hint = " Use ** for powers." if shown == "^" else ""
        raise ToolError(f"The operator {shown} is not supported.{hint}")
    if isinstance(node, ast.Name):
        raise ToolError(f"Names such as {node.id!r} are not allowed: use numbers only.")
    if isinstance(node, ast.Call):
        raise ToolError("Function calls are not allowed: use numbers and + - * / // % ** only.")
    if isinstance(node, ast.Attribute):
        raise ToolError("Attribute access is not allowed: use numbers only.")
    raise ToolError(f"{type(node).__name__} is not allowed in an arithmetic expression.")


def _check_power(base: int | float, exponent: int | float) -> None:
    """Refuse a power whose result would be huge, before computing it."""
    if abs(exponent) > 10_000:
        raise ToolError("The exponent is too large (at most 10,000 in size).")
    exact = isinstance(base, int) and isinstance(exponent, int)
    if (
        exact
        and exponent > 0
        and abs(base) > 1
        and exponent * math.log2(abs(base)) > CALCULATOR_MAX_BITS
    ):
        raise ToolError("The result is too large.")
    if base < 0 and isinstance(exponent, float) and not exponent.is_integer():
        raise ToolError("A negative number to a fractional power is not a real number.")


def _checked(value: Any) -> int | float:
    if isinstance(value, complex):
        raise ToolError("The result is not a real number.")
    if isinstance(value, int) and value.bit_length() > CALCULATOR_MAX_BITS:
        raise ToolError("The result is too large.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError("The result is too large.")
    number: int | float = value
    return number


def _format_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    # 12 significant digits hides binary noise (0.1 + 0.2) without losing useful precision.
    return format(value, ".12g")


def lookup_notes(path: Path | None, query: str) -> str:
    """Lines of the notes file containing every word of `query`, ignoring case.

    At most NOTES_MAX_LINES lines (with their line numbers), NOTES_MAX_CHARS characters.
    Raises ToolError when there is no notes file or it cannot be read as UTF-8 text.
    """
    if path is None:
        raise ToolError("No notes file was given for this trial.")
    words = query.casefold().split()
    if not words:
        raise ToolError("The query is empty: give one or more words to look for.")
    try:
        text = read_bytes(path, NOTES_MAX_FILE_BYTES).decode("utf-8")
    except FileTooLargeError:
        raise ToolError(f"The notes file {path.name} is too large to search.") from None
    except FileNotFoundError:
        raise ToolError(f"The notes file {path.name} does not exist.") from None
    except UnicodeDecodeError:
        raise ToolError(f"The notes file {path.name} is not UTF-8 text.") from None
    except OSError as exc:
        raise ToolError(f"The notes file {path.name} cannot be read ({exc.strerror}).") from None
    matches = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if all(word in line.casefold() for word in words)
    ]
    if not matches:
        return f"No line of the notes matches {query.strip()!r}."
    shown: list[str] = []
    used = 0
    for line in matches[:NOTES_MAX_LINES]:
        if used + len(line) + 1 > NOTES_MAX_CHARS:
            break
        shown.append(line)
        used += len(line) + 1
    if len(shown) < len(matches):
        shown.append(f"({len(matches) - len(shown)} more matching lines not shown)")
    return "\n".join(shown)


@dataclass(frozen=True)
class _Tool:
    schema: dict[str, Any]
    run: Callable[[dict[str, Any]], str]


def _function_schema(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def _string_argument(arguments: dict[str, Any], name: str, allowed: set[str]) -> str:
    unexpected = sorted(set(arguments) - allowed)
    if unexpected:
        raise ToolError(f"Unexpected argument(s): {', '.join(unexpected)}.")
    value = arguments.get(name)
    if not isinstance(value, str):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise ToolError(f"The argument {name!r} must be a string (it is {got}).")
    return value


def _tools(config: TrialConfig, today: Callable[[], date]) -> dict[str, _Tool]:
    def run_calculator(arguments: dict[str, Any]) -> str:
        return calculate(_string_argument(arguments, "expression", {"expression"}))

    def run_lookup(arguments: dict[str, Any]) -> str:
        return lookup_notes(config.notes_path, _string_argument(arguments, "query", {"query"}))

    def run_date(arguments: dict[str, Any]) -> str:
        if arguments:
            raise ToolError(f"current_date takes no arguments (got {', '.join(arguments)}).")
        return today().isoformat()

    tools = {
        "calculator": _Tool(
            _function_schema(
                "calculator",
                "Evaluate an arithmetic expression exactly. Supports numbers, + - * / // % ** "
                "(power), unary minus and parentheses; no variables or functions.",
                {
                    "expression": {
                        "type": "string",
                        "description": "The expression, e.g. (1200 * 0.15) / 12 or 2 ** 10.",
                    }
                },
                ["expression"],
            ),
            run_calculator,
        ),
        "lookup_notes": _Tool(
            _function_schema(
                "lookup_notes",
                "Search the user's notes file: returns the lines containing every word of the "
                "query (case-insensitive), with their line numbers.",
                {"query": {"type": "string", "description": "One or more words to look for."}},
                ["query"],
            ),
            run_lookup,
        ),
        "current_date": _Tool(
            _function_schema("current_date", "Today's date as YYYY-MM-DD.", {}, []),
            run_date,
        ),
    }
    if config.notes_path is None:
        # A tool that can only fail would waste the model's iterations.
        del tools["lookup_notes"]
    return tools


def tool_schemas(config: TrialConfig) -> list[dict[str, Any]]:
    """The OpenAI tool schemas a trial with this config offers the model."""
    return [tool.schema for tool in _tools(config, date.today).values()]


# The loop


def run_trial(
    config: TrialConfig,
    client: LlmClient,
    on_step: Callable[[AgentStep], None] = lambda s: None,
    cancelled: Callable[[], bool] = lambda: False,
    today: Callable[[], date] = date.today,
) -> TrialOutcome:
    """Run the task as a native tool-calling loop until the model answers or a limit stops it.

    Each iteration is one model call offering the tools. Text the model writes beside tool
    calls is a "thought"; each tool call is a "tool_call" step followed by its "tool_result",
    or by an "error" step when the tool is unknown, its arguments are malformed or it fails
    (the error text is what the model receives as the result). A reply without tool calls is
    the "answer". Before each model call the loop stops when `cancelled()` is true, when the
    cost so far has reached `cost_cap_usd`, or when `max_iterations` calls have been made;
    `cancelled()` is also polled during each model call (a cancel abandons the request in
    flight) and checked before each tool runs. A failed model call (LlmError: refused,
    timed out, a malformed or oversized reply) ends the trial with an "error" step and status
    "error", and so does a request that would exceed MAX_REQUEST_BYTES or a trial asking for
    more than MAX_TOOL_CALLS_PER_TRIAL tool calls. Never raises for model or tool failures;
    raises ValueError when `client` is not set up for `config.api_base`.
    `on_step` is called with each step as it is recorded, on the calling thread.
    """
    if ((config.api_base or "").strip() or None) != client.api_base:
        # The stored trace must name the server that really answered.
        raise ValueError(
            f"The client's base URL ({client.api_base}) is not the trial's ({config.api_base})."
        )
    started = time.perf_counter()
    tools = _tools(config, today)
    schemas = [tool.schema for tool in tools.values()]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": config.system_prompt},
        {"role": "user", "content": config.task},
    ]
    trial = _Trace(on_step)

    while True:
        stop = _stop_before_call(config, trial, cancelled)
        if stop is not None:
            return trial.outcome(*stop, started)
        request_bytes = len(json.dumps(messages, ensure_ascii=False).encode("utf-8"))
        if request_bytes > MAX_REQUEST_BYTES:
            why = (
                f"The next request would be {describe_bytes(request_bytes)}, over the "
                f"{describe_bytes(MAX_REQUEST_BYTES)} a trial sends at most; stopped."
            )
            trial.add("error", why)
            return trial.outcome("error", why, started)
        call_started = time.perf_counter()
        try:
            completion = client.complete(
                config.model, messages, schemas, config.temperature, cancelled=cancelled
            )
        except LlmError as exc:
            if exc.kind == "cancelled":
                return trial.outcome("cancelled", "Cancelled by the user.", started)
            trial.iterations += 1
            trial.add(
                "error",
                str(exc),
                latency_ms=(time.perf_counter() - call_started) * 1000.0,
            )
            return trial.outcome("error", f"The model call failed: {exc}", started)
        trial.begin_iteration(completion)

        if not completion.tool_calls:
            trial.add("answer", completion.content)
            trial.answer = completion.content
            return trial.outcome("answered", "The model answered.", started)
        if completion.content.strip():
            trial.add("thought", completion.content)
        trial.tool_calls += len(completion.tool_calls)
        if trial.tool_calls > MAX_TOOL_CALLS_PER_TRIAL:
            why = (
                f"The model asked for {trial.tool_calls:,} tool calls in this trial; at most "
                f"{MAX_TOOL_CALLS_PER_TRIAL} are run; stopped."
            )
            trial.add("error", why)
            return trial.outcome("error", why, started)
        messages.append(_assistant_message(completion))

        for call in completion.tool_calls:
            trial.add(
                "tool_call",
                _describe_call(call),
                tool=call.name,
                arguments=call.arguments,
            )
            if cancelled():
                return trial.outcome("cancelled", "Cancelled before a tool ran.", started)
            tool_started = time.perf_counter()
            result, error = _run_tool(call, tools)
            tool_ms = (time.perf_counter() - tool_started) * 1000.0
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
            trial.add(
                "error" if error else "tool_result",
                result,
                tool=call.name,
                arguments=call.arguments,
                result=result,
                latency_ms=tool_ms,
            )


def _stop_before_call(
    config: TrialConfig, trial: _Trace, cancelled: Callable[[], bool]
) -> tuple[TrialStatus, str] | None:
    if cancelled():
        return "cancelled", "Cancelled by the user."
    if trial.cost_usd >= config.cost_cap_usd:
        return "cost_cap", (
            f"Stopped: the cost so far (${trial.cost_usd:.4f}) reached the cap "
            f"(${config.cost_cap_usd:.4f})."
        )
    if trial.iterations >= config.max_iterations:
        return "max_iterations", (
            f"Stopped after {trial.iterations} model calls (the maximum) without an answer."
        )
    return None


def _run_tool(call: ToolCall, tools: dict[str, _Tool]) -> tuple[str, bool]:
    """The text sent back to the model for this call, and whether it is an error."""
    tool = tools.get(call.name)
    if tool is None:
        offered = ", ".join(tools)
        return f"Error: unknown tool {call.name!r}. The tools are: {offered}.", True
    if call.arguments is None:
        return f"Error: {call.error or 'the arguments could not be read.'}", True
    try:
        return tool.run(call.arguments), False
    except ToolError as exc:
        return f"Error: {exc}", True
    except Exception as exc:  # a tool bug must reach the trace, not crash the trial
        log.warning("the tool %s failed unexpectedly", call.name, exc_info=True)
        return f"Error: the tool {call.name} failed ({type(exc).__name__}: {exc}).", True


def _assistant_message(completion: Completion) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": completion.content or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    # Malformed arguments are echoed as {}: some providers re-parse the history
                    # and would reject the whole request; the tool result quotes the bad text.
                    "arguments": call.raw_arguments if call.arguments is not None else "{}",
                },
            }
            for call in completion.tool_calls
        ],
    }


def _describe_call(call: ToolCall) -> str:
    if call.arguments is None:
        return f"{call.name}({call.raw_arguments})"
    shown = ", ".join(f"{key}={value!r}" for key, value in call.arguments.items())
    return f"{call.name}({shown})"


@dataclass
class _Trace:
    """The steps and running totals of one trial."""

    on_step: Callable[[AgentStep], None]
    steps: list[AgentStep] = field(default_factory=list)
    iterations: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    answer: str = ""
    _pending_call: Completion | None = None

    def begin_iteration(self, completion: Completion) -> None:
        self.iterations += 1
        self.input_tokens += completion.input_tokens
        self.output_tokens += completion.output_tokens
        self.cost_usd += completion.cost_usd
        self._pending_call = completion

    def add(
        self,
        kind: StepKind,
        text: str,
        *,
        tool: str | None = None,
        arguments: dict[str, Any] | None = None,
        result: str | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        step = AgentStep(
            index=len(self.steps) + 1,
            kind=kind,
            text=text,
            tool=tool,
            arguments=arguments,
            result=result,
            latency_ms=latency_ms,
            iteration=self.iterations,
        )
        if self._pending_call is not None:
            call = self._pending_call
            step.input_tokens = call.input_tokens
            step.output_tokens = call.output_tokens
            step.cost_usd = call.cost_usd
            step.latency_ms = call.latency_ms
            self._pending_call = None
        self.steps.append(step)
        self.on_step(step)

    def outcome(self, status: TrialStatus, reason: str, started: float) -> TrialOutcome:
        return TrialOutcome(
            status=status,
            answer=self.answer if status == "answered" else "",
            steps=self.steps,
            iterations=self.iterations,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            stop_reason=reason,
        )


# Measurements over finished trials


@dataclass(frozen=True)
class Measured:
    """Loop figures measured over answered trials, to fill the loop-economics inputs.

    "Per step" means per model call. Token means are pooled (total tokens / total model calls).
    `p95_iterations` interpolates linearly between order statistics (numpy's default).
    `first_step_input_tokens` is the mean input of the first call; `context_growth_tokens_per_step`
    the mean, over trials with two or more calls, of (last call input - first call input) /
    (calls - 1), or None without such trials; `mean_tool_latency_ms` is over all tool runs, or
    None when no tool ran.
    """

    model: str | None
    trials: int
    mean_iterations: float
    p95_iterations: float
    mean_input_tokens_per_step: float
    mean_output_tokens_per_step: float
    mean_cost_per_trial_usd: float
    mean_latency_per_trial_ms: float
    first_step_input_tokens: float
    context_growth_tokens_per_step: float | None
    mean_tool_latency_ms: float | None


def measure(outcomes: Iterable[TrialOutcome], model: str | None = None) -> Measured | None:
    """Measured loop figures over the answered outcomes (others are ignored), or None if none.

    `model` only labels the result; the caller picks which outcomes belong to it.
    """
    answered = [o for o in outcomes if o.status == "answered" and o.iterations > 0]
    if not answered:
        return None
    n = len(answered)
    calls = sum(o.iterations for o in answered)
    first_inputs: list[float] = []
    growths: list[float] = []
    tool_latencies: list[float] = []
    for outcome in answered:
        per_call = _input_tokens_per_call(outcome)
        first_inputs.append(per_call[0])
        if len(per_call) >= 2:
            growths.append((per_call[-1] - per_call[0]) / (len(per_call) - 1))
        tool_latencies += [
            s.latency_ms
            for s in outcome.steps
            if s.kind in ("tool_result", "error") and s.tool is not None
        ]
    return Measured(
        model=model,
        trials=n,
        mean_iterations=calls / n,
        p95_iterations=stats.percentile([float(o.iterations) for o in answered], 95),
        mean_input_tokens_per_step=sum(o.input_tokens for o in answered) / calls,
        mean_output_tokens_per_step=sum(o.output_tokens for o in answered) / calls,
        mean_cost_per_trial_usd=sum(o.cost_usd for o in answered) / n,
        mean_latency_per_trial_ms=sum(o.latency_ms for o in answered) / n,
        first_step_input_tokens=sum(first_inputs) / n,
        context_growth_tokens_per_step=sum(growths) / len(growths) if growths else None,
        mean_tool_latency_ms=sum(tool_latencies) / len(tool_latencies) if tool_latencies else None,
    )


def _input_tokens_per_call(outcome: TrialOutcome) -> list[float]:
    """Input tokens of each model call, in order (a call's tokens sit on its first step)."""
    per_call = [0.0] * outcome.iterations
    for step in outcome.steps:
        if 1 <= step.iteration <= outcome.iterations:
            per_call[step.iteration - 1] += step.input_tokens
    return per_call
