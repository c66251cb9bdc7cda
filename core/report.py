"""Decision summaries: a framework's inputs and result as an ADR-style Markdown document, or as
an HTML decision record (printed to PDF by ui.export) whose first page is the decision and the
rest an appendix."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from core import APP_NAME, APP_VERSION
from core.evidence import EXAMPLE_WARNING, NO_EVIDENCE, Evidence, provenance_rows, quality_basis
from core.frameworks import Framework
from core.frameworks.common import (
    FrameworkResult,
    counted,
    format_figure,
    format_input,
    recommendation_label,
)
from core.text import visible

#: Widest an embedded plot is drawn, in CSS pixels: the text width of an A4 page with 2 cm
#: margins (170 mm) at 96 dpi, so the same HTML fits a browser column and Qt's PDF page alike.
MAX_IMAGE_WIDTH_PX = 640

# Section headings of a framework's summary body (levels 1-3); deeper ones stay content.
_HEADING = re.compile(r"^ {0,3}(#{1,3})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class SummaryMeta(BaseModel):
    """What a summary says about itself: whose scenario, when, from which app version."""

    model_config = ConfigDict(frozen=True)

    scenario_name: str
    notes: str = ""
    date: dt.date = Field(default_factory=dt.date.today)
    app_version: str = APP_VERSION
    status: str = "Proposed"
    #: Date of the prices the figures used, for frameworks that read the model catalog.
    price_date: dt.date | None = None
    #: The catalog rows the result was computed from (None: not known, no evidence section).
    evidence: Evidence | None = None
    #: False: a version saved before evidence was recorded (`evidence` is today's rows).
    evidence_recorded: bool = True
    #: What today's catalog would change in a saved result (core.evidence.Drift.text).
    drift: str | None = None


def render_markdown(
    framework: Framework, inputs: BaseModel, result: FrameworkResult, meta: SummaryMeta
) -> str:
    """The decision summary as Markdown laid out like an architecture decision record.

    Whatever a name or a note carries stays text in any Markdown renderer: raw HTML and
    autolinks are escaped, javascript:-style links are not links, invisible controls are
    shown by their code point."""
    text = "\n\n".join(text for _, text in _sections(framework, inputs, result, meta)) + "\n"
    return _inert_markdown(visible(text))


def render_html(
    framework: Framework,
    inputs: BaseModel,
    result: FrameworkResult,
    meta: SummaryMeta,
    images: Sequence[tuple[str, bytes]] = (),
    *,
    paragraph_chars: int | None = None,
    soft_break: str = "<wbr>",
) -> str:
    """The summary as one standalone, print-friendly HTML page with the plots embedded.

    The first page is the decision: the pick and headline, the reasons, the key figures, where
    the evidence came from and the first plot. Everything else (context, the options' full
    tables, consequences, inputs, the evidence rows, the other plots) follows as an appendix
    that starts on a page of its own when printed.

    Raw HTML in the Markdown is disabled, so whatever a user typed (a scenario name, a note)
    is shown as text, never interpreted as markup; so are Markdown images (a note's
    `![x](/dev/zero)` or tracking pixel stays a link), and markdown-it refuses javascript:,
    vbscript:, file: and data: links. The only images are the plots passed in.

    `paragraph_chars` splits the notes' paragraphs longer than that at line or word
    boundaries: Qt lays out one paragraph in time quadratic in its length (1 MB of notes in
    one paragraph took 12 s, in paragraphs of 2,000 characters 2 s). `soft_break` goes after
    the separators of long ids in table cells (`anthropic.claude-...`), so a narrow column
    breaks them there and nowhere else: `<wbr>` for browsers, U+200B for Qt, which knows no
    `<wbr>`.
    """
    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    if paragraph_chars is not None:
        meta = meta.model_copy(update={"notes": split_paragraphs(meta.notes, paragraph_chars)})

    def render(text: str) -> str:
        return _breakable_cells(md.render(visible(text)), soft_break)

    sections = dict(_sections(framework, inputs, result, meta, figures=KEY_FIGURES))
    decision = [
        render(_html_header(framework, meta)),
        render(_outcome(result, rationale_label=False)),
        render(_key_figures(result)),
        render(_sources(framework, meta)),
    ]
    if images:
        decision.append(_figures_html(images[:1]))
    appendix = [
        render(sections[key])
        for key in ("context", "options", "consequences", "inputs", "evidence")
        if key in sections
    ]
    if len(images) > 1:
        appendix.append(_figures_html(images[1:], heading="Other plots"))
    title = html.escape(visible(f"{_one_line(meta.scenario_name)}: {framework.TITLE}"))
    footer = html.escape(f"Generated by {APP_NAME} {meta.app_version} on {meta.date.isoformat()}.")
    generator = html.escape(f"{APP_NAME} {meta.app_version}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{generator}">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
        '<main class="summary">\n'
        f'<section class="decision">\n{"".join(decision)}</section>\n'
        f'<section class="appendix">\n<h1 class="appendix">{APPENDIX_TITLE}</h1>\n'
        f"{''.join(appendix)}</section>\n</main>\n"
        # A paragraph, not bare text: Qt knows no <footer> and would run it into the caption.
        f'<footer class="generated"><p>{footer}</p></footer>\n</body>\n</html>\n'
    )


#: The first page's heading of the figures (the Markdown's ADR calls them decision drivers).
KEY_FIGURES = "Key figures"
#: The heading that starts the record's second part; printed, it starts a new page.
APPENDIX_TITLE = "Appendix: context, options, inputs and evidence"

# A cell's long word with separators (an id such as together_ai/meta-llama/Llama-3.1-70B):
# a break may go after "/", "_", "-" or ":", and after "." before a letter, never inside a
# number ("2.5", "$0.004375") or a short word ("real-time", a date).
_LONG_WORD = re.compile(r"[^\s<>&]{13,}")
_ID_SEPARATOR = re.compile(r"(?<=[/_:-])(?=[^\W_])|(?<=\.)(?=[A-Za-z])")
_CELL = re.compile(r"(<t[dh][^>]*>)(.*?)(</t[dh]>)", re.DOTALL)
_TAG = re.compile(r"(<[^>]*>)")


def _breakable_cells(page: str, soft_break: str) -> str:
    """Rendered HTML whose table cells' long ids may break after their separators."""

    def cell(match: re.Match[str]) -> str:
        parts = _TAG.split(match.group(2))
        # Odd indices are tags (split keeps the separators): only the text between is touched.
        for index in range(0, len(parts), 2):
            parts[index] = _LONG_WORD.sub(
                lambda word: _ID_SEPARATOR.sub(soft_break, word.group()), parts[index]
            )
        return match.group(1) + "".join(parts) + match.group(3)

    # Qt sizes a table to its content unless the width is an attribute (it ignores the CSS).
    return _CELL.sub(cell, page).replace("<table>", '<table width="100%">')


# Raw HTML and autolinks start with "<" and a letter, "/", "!" or "?"; "<=" stays as it is.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# An image: a renderer would fetch it (a tracking pixel) or read a local file.
_IMAGE_START = re.compile(r"!\[")
# A link (inline or a reference definition) to a scheme that runs or reads something.
_BAD_LINK = re.compile(
    r"(\]\(\s*<?\s*|^[ >]*\[[^\]\n]*\]:\s*<?\s*)(?=(?:javascript|vbscript|data|file):)",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _inert_markdown(text: str) -> str:
    """Markdown whose raw HTML, autolinks and dangerous links show as text in any renderer.

    Inline code spans are left alone (a renderer shows them literally anyway); everywhere
    else "<" before a tag becomes &lt;, "![" (an image) becomes "!\\[" and "](javascript:"
    becomes "]\\(javascript:"."""
    out: list[str] = []
    for line in text.split("\n"):
        pieces: list[str] = []
        last = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_inert_text(line[last : span.start()]))
            pieces.append(span.group())
            last = span.end()
        pieces.append(_inert_text(line[last:]))
        out.append("".join(pieces))
    return _BAD_LINK.sub(_break_link, "\n".join(out))


def _inert_text(text: str) -> str:
    return _IMAGE_START.sub("!\\[", _TAG_START.sub("&lt;", text))


def _break_link(match: re.Match[str]) -> str:
    opening = match.group(1)
    if opening.startswith("]"):
        return "]\\" + opening[1:]
    indent = opening[: len(opening) - len(opening.lstrip(" >"))]
    return indent + "\\" + opening[len(indent) :]  # "\\[x]: ..." defines no reference


def split_paragraphs(text: str, limit: int) -> str:
    """Markdown text with no paragraph longer than about `limit` characters: a blank line goes
    in where a paragraph would pass it, between lines, or between words of a long line."""
    out: list[str] = []
    length = 0
    for line in text.split("\n"):
        if not line.strip():
            length = 0
            out.append(line)
            continue
        chunks = _wrap_words(line, limit) if len(line) > limit else [line]
        for chunk in chunks:
            if length and length + len(chunk) > limit:
                out.append("")
                length = 0
            out.append(chunk)
            length += len(chunk) + 1  # the line break joins the lines with a space
    return "\n".join(out)


def _wrap_words(line: str, limit: int) -> list[str]:
    chunks: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit)
        cut = cut if cut > 0 else limit
        chunks.append(line[:cut])
        line = line[cut:].lstrip(" ")
    return [*chunks, line] if line else chunks


def _sections(
    framework: Framework,
    inputs: BaseModel,
    result: FrameworkResult,
    meta: SummaryMeta,
    figures: str = "Decision drivers",
) -> list[tuple[str, str]]:
    """The summary's sections in ADR order, each as (key, Markdown starting at its heading);
    `figures` is the heading the consequences point to for the figures."""
    body = framework.summarize(inputs, result)
    options, assumptions = _split_summary(body)
    rows = _input_rows(inputs)
    return [
        ("header", _header(framework, meta)),
        ("context", _context(framework, meta)),
        ("drivers", _drivers(result)),
        ("options", f"## Considered options\n\n{options}".rstrip()),
        ("outcome", _outcome(result)),
        ("consequences", _consequences(result, meta, rows, figures)),
        ("inputs", _inputs_section(rows, assumptions)),
        *([("evidence", _evidence_section(meta))] if meta.evidence is not None else []),
    ]


def _header(framework: Framework, meta: SummaryMeta) -> str:
    lines = [
        f"# {_one_line(meta.scenario_name)}: {framework.TITLE}",
        "",
        f"- **Status:** {_one_line(meta.status)}",
        f"- **Date:** {meta.date.isoformat()}",
        f"- **App version:** {APP_NAME} {meta.app_version}",
        f"- **Framework:** {framework.TITLE}",
    ]
    if meta.price_date is not None:
        lines.append(f"- **Prices as of:** {meta.price_date.isoformat()}")
    if meta.evidence is not None and meta.evidence.read:
        lines.append(f"- **Price map:** {_one_line(meta.evidence.price_map)}")
        if quality := _quality_line(framework, meta.evidence):
            lines.append(quality)
    examples = meta.evidence.example_models() if meta.evidence is not None else []
    if examples:
        # Page 1 of every export: a reader must not take the shipped examples for data.
        lines += [
            "",
            f"> **This result {EXAMPLE_WARNING}** (example figures for "
            f"{_one_line(', '.join(examples))}; see *Evidence*).",
        ]
    return "\n".join(lines)


def _html_header(framework: Framework, meta: SummaryMeta) -> str:
    """The first page's title: the record's facts on one line, the example warning under it
    (the prices' date and map are under *Sources*)."""
    facts = [
        f"**{_one_line(meta.status)}**",
        meta.date.isoformat(),
        f"{APP_NAME} {meta.app_version}",
    ]
    lines = [f"# {_one_line(meta.scenario_name)}: {framework.TITLE}", "", " · ".join(facts)]
    examples = meta.evidence.example_models() if meta.evidence is not None else []
    if examples:
        lines += ["", f"> **This result {EXAMPLE_WARNING}** (see *Sources*)."]
    return "\n".join(lines)


def _key_figures(result: FrameworkResult) -> str:
    """The figures as a table of two figure-value pairs a row: half the height on page 1."""
    pairs = [(_cell(f.label), _cell(format_figure(f))) for f in result.figures]
    lines = [f"## {KEY_FIGURES}", "", "| Figure | Value | Figure | Value |", "|---|---|---|---|"]
    for index in range(0, len(pairs), 2):
        left, right = pairs[index], (pairs[index + 1] if index + 1 < len(pairs) else ("", ""))
        lines.append(f"| {left[0]} | {left[1]} | {right[0]} | {right[1]} |")
    return "\n".join(lines)


def _sources(framework: Framework, meta: SummaryMeta) -> str:
    """Where the figures came from, in a few lines: the catalog and its date, whose quality
    and latency figures, and whether they are the shipped examples."""
    lines = ["## Sources", ""]
    evidence = meta.evidence
    if evidence is None or not evidence.read:
        lines.append(
            "Every figure comes from the inputs (listed in the appendix); nothing was read "
            "from the model catalog."
        )
        if meta.price_date is not None:
            lines[-1] += f" Prices as of {meta.price_date.isoformat()}."
        return "\n".join(lines)
    dated = f", prices as of {meta.price_date.isoformat()}" if meta.price_date else ""
    lines.append(
        f"- **Prices:** model catalog {_one_line(evidence.price_map)}{dated} "
        f"({len(evidence.models)} model{'s' if len(evidence.models) != 1 else ''} read)."
    )
    if quality := _quality_line(framework, evidence):
        lines.append(quality)
    examples = evidence.example_models()
    own = [
        m.id
        for m in evidence.models
        if m.id not in examples and (m.quality is not None or m.latency is not None)
    ]
    if examples:
        lines.append(
            f"- **Quality and latency:** illustrative example figures, not measurements, for "
            f"{_count(examples, 'model')}."
        )
    if own:
        lines.append(f"- **Quality and latency entered or measured:** {_count(own, 'model')}.")
    if not meta.evidence_recorded:
        lines.append(f"- This version was {NO_EVIDENCE}.")
    if meta.drift:
        lines.append(f"- {_one_line(meta.drift)}")
    lines.append("- Every catalog row, with its source and date: *Evidence* in the appendix.")
    return "\n".join(lines)


def _quality_line(framework: Framework, evidence: Evidence) -> str:
    """The card's words for the quality sources used (the Models tab's choice decides which
    source each score is from), as a list item; '' when the result used no quality score."""
    quality = quality_basis(evidence, framework.ID)
    if not quality:
        return ""
    label, _, rest = quality.partition(": ")
    return f"- **{label}:** {_one_line(rest)}."


def _context(framework: Framework, meta: SummaryMeta) -> str:
    lines = ["## Context", "", framework.GUIDE.strip()]
    notes = meta.notes.strip()
    if notes:
        # A blockquote keeps whatever the user wrote (headings, fences) inside the Context
        # section instead of letting it reshape the record's structure.
        quoted = "\n".join(f"> {line}".rstrip() for line in notes.splitlines())
        lines += ["", "Notes from the team:", "", quoted]
    return "\n".join(lines)


def _drivers(result: FrameworkResult) -> str:
    lines = ["## Decision drivers", "", "| Figure | Value |", "|---|---|"]
    lines += [f"| {_cell(f.label)} | {_cell(format_figure(f))} |" for f in result.figures]
    return "\n".join(lines)


def _outcome(result: FrameworkResult, rationale_label: bool = True) -> str:
    lines = [
        "## Decision outcome",
        "",
        f"Chosen option: **{_one_line(recommendation_label(result.recommendation))}**. "
        f"{_sentence(result.headline)}",
        "",
    ]
    # The first page has no line to spare: its reasons follow the pick without a label.
    if rationale_label:
        lines += ["Rationale:", ""]
    lines += [f"- {_one_line(reason)}" for reason in result.rationale]
    return "\n".join(lines)


def _consequences(
    result: FrameworkResult, meta: SummaryMeta, rows: list[_InputRow], figures: str
) -> str:
    changed = [row.title for row in rows if not row.is_default]
    if changed:
        basis = (
            f"The outcome rests on {len(changed)} input{'s' if len(changed) != 1 else ''} set "
            f"away from the framework's example defaults ({', '.join(changed)}); if any of them "
            "changes materially, re-run this scenario before acting on the old answer."
        )
    else:
        basis = (
            "Every input is still at the framework's example default: replace them with your "
            "own numbers before relying on this outcome."
        )
    missing = [f"{f.label} ({format_figure(f)})" for f in result.figures if f.value is None]
    lines = [
        "## Consequences",
        "",
        f"- Going with **{_one_line(recommendation_label(result.recommendation))}** makes the "
        f"figures under *{figures}* the baseline to check the real outcome against.",
        f"- {basis}",
    ]
    if missing:
        lines.append(
            "- Some figures have no finite value under these inputs: "
            + "; ".join(_one_line(m) for m in missing)
            + "."
        )
    lines.append(
        f"- The figures were computed by {APP_NAME} {meta.app_version} on "
        f"{meta.date.isoformat()}; the computation is deterministic, so these inputs with the "
        "catalog rows under *Evidence* (kept with the saved scenario) reproduce them in this "
        "version."
    )
    return "\n".join(lines)


def _inputs_section(rows: list[_InputRow], assumptions: str) -> str:
    lines = ["## Inputs and assumptions"]
    if assumptions:
        lines += ["", "### Assumptions", "", assumptions]
    lines += ["", "### Inputs", "", "| Input | Value | Description |", "|---|---|---|"]
    tables: list[str] = []
    for row in rows:
        if row.table is None:
            lines.append(f"| {_cell(row.title)} | {_cell(row.value)} | {_cell(row.description)} |")
        else:
            lines.append(
                f"| {_cell(row.title)} | {_cell(row.value)} (see below) | "
                f"{_cell(row.description)} |"
            )
            tables.append(f"#### {row.title}\n\n{row.table}")
    return "\n".join(lines + [""] + tables).rstrip()


def _evidence_section(meta: SummaryMeta) -> str:
    """Where every catalog figure came from: each model row with its prices, and its quality
    score and latency profile with source, benchmark and date."""
    evidence = meta.evidence
    assert evidence is not None
    lines = ["## Evidence", ""]
    if not evidence.read:
        lines.append(
            "This result reads nothing from the model catalog: every figure comes from the inputs."
        )
        return "\n".join(lines)
    if not meta.evidence_recorded:
        lines += [f"This version was {NO_EVIDENCE}; the rows below are today's.", ""]
    lines += [
        f"The model catalog rows this result was computed from (price map "
        f"{_one_line(evidence.price_map)}; prices in dollars per million tokens).",
    ]
    if meta.drift:
        lines += ["", f"{_one_line(meta.drift)}"]
    rows = provenance_rows(evidence)
    if rows:
        lines += [
            "",
            "| Model | Provider | Prices | Quality (source, benchmark, date) | "
            "Latency (source, date) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(r.model)} | {_cell(r.provider)} | {_cell(r.prices)} | "
            f"{_cell(r.quality)} | {_cell(r.latency)} |"
            for r in rows
        ]
    if evidence.absent:
        lines += ["", f"Not in the catalog: {_one_line(', '.join(evidence.absent))}."]
    return "\n".join(lines)


def _split_summary(body: str) -> tuple[str, str]:
    """Split a framework's summary body into (options part, assumptions part).

    The body's own "### Considered options" heading is dropped (the record has that heading
    already) and its "### Assumptions" section moves to the record's assumptions section, as
    the ADR layout asks; every other section stays, at level three, under the options.
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    in_fence = False
    for line in body.strip().splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            sections.append((heading.group(2), []))
        else:
            sections[-1][1].append(line)
    options: list[str] = []
    assumptions: list[str] = []
    for title, lines in sections:
        text = "\n".join(lines).strip()
        if title is None or title.casefold() == "considered options":
            if text:
                options.append(text)
        elif title.casefold().startswith("assumption"):
            if text:
                assumptions.append(text)
        else:
            options.append(f"### {title}\n\n{text}".rstrip())
    return "\n\n".join(options), "\n\n".join(assumptions)


@dataclass(frozen=True)
class _InputRow:
    """One input as the summary shows it; lists of records get a table of their own."""

    title: str
    value: str
    description: str
    is_default: bool
    table: str | None


def _input_rows(inputs: BaseModel) -> list[_InputRow]:
    rows = []
    for name, field in type(inputs).model_fields.items():
        value = getattr(inputs, name)
        unit = _unit(field)
        table = None
        if isinstance(value, list | tuple) and any(isinstance(v, BaseModel | dict) for v in value):
            table = _records_table(value)
            text = f"{len(value)} item{'s' if len(value) != 1 else ''}"
        else:
            text = format_input(value, unit)
        rows.append(
            _InputRow(
                title=field.title or name.replace("_", " ").capitalize(),
                value=text,
                description=_one_line(field.description or ""),
                is_default=_is_default(field, value),
                table=table,
            )
        )
    return rows


def _is_default(field: FieldInfo, value: Any) -> bool:
    default = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel) and isinstance(default, dict):
        return value.model_dump() == default
    return bool(value == default)


def _unit(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict):
        unit = extra.get("unit")
        if isinstance(unit, str):
            return unit
    return ""


def _records_table(items: Iterable[Any]) -> str:
    records = [
        item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in items
    ]
    columns: list[str] = []
    for record in records:
        if isinstance(record, dict):
            columns += [k for k in record if k not in columns]
    head = "| " + " | ".join(_cell(c.replace("_", " ")) for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    lines = [head, rule]
    for record in records:
        cells = [
            _cell(format_input(record.get(c), "")) if isinstance(record, dict) else ""
            for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _count(items: Sequence[str], noun: str) -> str:
    """'2 models' for a short list, with the names in brackets when they fit on a line."""
    names = _one_line(", ".join(items))
    number = counted(len(items), noun)
    return f"{number} ({names})" if len(names) <= 60 else number


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _sentence(text: str) -> str:
    text = _one_line(text)
    return text if not text or text[-1] in ".!?" else text + "."


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return _one_line(text).replace("|", "\\|")


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Pixel (width, height) from a PNG's IHDR chunk, without an imaging library."""
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _figures_html(images: Sequence[tuple[str, bytes]], heading: str = "") -> str:
    parts = ['<section class="plots">']
    if heading:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
    for title, data in images:
        caption = html.escape(_one_line(title))
        size = ""
        if (pixels := _png_size(data)) and pixels[0] > 0:
            # Qt's rich text ignores max-width and keeps the native height unless told, so
            # both attributes are given; a browser's CSS (height: auto) still wins there.
            width = min(pixels[0], MAX_IMAGE_WIDTH_PX)
            height = round(pixels[1] * width / pixels[0])
            size = f' width="{width}" height="{height}"'
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        parts.append(
            # The image sits in its own paragraph because Qt applies the body's line-height
            # to a line holding an image, and knows no <figure> block to reset it on.
            f'<figure><p class="plot"><img src="{uri}" alt="{caption}"{size}></p>'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    parts.append("</section>")
    return "\n".join(parts)


_CSS = """\
@page { size: A4; margin: 18mm 16mm; }
body {
  font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
  color: #1f2933; background: #ffffff; line-height: 1.3; font-size: 10pt;
  margin: 0 auto; padding: 24px; max-width: 860px;
}
h1 { font-size: 17pt; margin: 0 0 6px 0; padding-bottom: 4px;
     border-bottom: 2px solid #2563eb; color: #111827; }
h2 { font-size: 13pt; margin: 18px 0 6px 0; padding-bottom: 3px;
     border-bottom: 1px solid #d1d5db; color: #1e3a8a; }
h3 { font-size: 11.5pt; margin: 16px 0 4px 0; color: #111827; }
h4 { font-size: 10.5pt; margin: 12px 0 4px 0; color: #374151; }
p, li { margin: 4px 0; }
ul { padding-left: 20px; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9.5pt;
       background: #f3f4f6; padding: 0 3px; }
blockquote { margin: 6px 0; padding: 4px 12px; border-left: 3px solid #93c5fd;
             background: #f8fafc; color: #374151; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px 0; font-size: 9pt; }
th, td { border: 1px solid #d1d5db; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eff6ff; color: #1e3a8a; font-weight: 600; }
tr:nth-child(even) td { background: #f9fafb; }
figure { margin: 12px 0; text-align: center; page-break-inside: avoid; break-inside: avoid; }
p.plot { margin: 0; line-height: normal; }
figure img { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
figcaption { font-size: 9pt; color: #4b5563; margin-top: 4px; }
h1.appendix { font-size: 15pt; page-break-before: always; break-before: page; }
section.decision { font-size: 9pt; }
section.decision h2 { font-size: 12pt; margin-top: 8px; }
section.decision li { margin: 2px 0; }
section.decision figure { margin: 6px 0 0 0; }
footer.generated { max-width: 860px; margin: 0 auto; padding: 0 24px 24px 24px;
                   font-size: 8.5pt; color: #6b7280; }
@media print {
  body { padding: 0; max-width: none; }
  h2, h3 { page-break-after: avoid; break-after: avoid; }
  tr, figure { page-break-inside: avoid; break-inside: avoid; }
  footer.generated { padding: 0; }
}
"""
