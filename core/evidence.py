"""The evidence a decision rests on: the catalog rows a computation read, kept with each save.

A framework reads the model catalog through a handful of calls (`get`, `in`, `with_quality`,
`len`). `record` computes with a catalog that notes every row those calls return, every id
they looked for and did not find, and whether the computation took every scored model as a
candidate. That record (`Evidence`) is stored with the saved version; `Evidence.catalog()`
builds a catalog from it that answers those calls exactly as the original did, so the saved
result is reproduced exactly whatever the catalog holds today.

`check_drift` compares a saved result with what today's catalog gives for the same inputs and
says, in words, which rows changed and what the result would become.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.catalog import Catalog, LatencyProfile, ModelInfo, QualityScore, format_per_million
from core.frameworks import entry
from core.frameworks.common import counted, format_number, recommendation_label

#: What the card and the exports say when a result rests on the shipped example figures.
EXAMPLE_WARNING = "rests on illustrative example scores: replace them with your own measurements"
#: What is said of a version saved before the app kept evidence.
NO_EVIDENCE = "saved before evidence was recorded: computed with today's catalog"


class Evidence(BaseModel):
    """The catalog rows one computation read, and what it asked the catalog that they answer.

    An Evidence with `read` False means the framework never consulted the catalog (its result
    depends on the inputs alone).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    #: Every model row the computation was given, in the order it was given them.
    models: list[ModelInfo] = Field(default_factory=list)
    #: Ids the computation looked up and the catalog did not have.
    absent: list[str] = Field(default_factory=list)
    #: The computation took every scored model of the catalog as a candidate.
    whole_catalog: bool = False
    #: How many models the catalog held (a framework may say "the catalog is empty").
    catalog_size: int = 0
    #: The price map the rows came from (e.g. "litellm 1.74.0") and its date.
    catalog_source: str = ""
    price_date: dt.date | None = None
    read: bool = False

    def catalog(self, fallback: Catalog | None = None) -> Catalog:
        """A catalog answering as the recorded one did. With `fallback` (today's catalog),
        ids the record never looked up come from it, so edited inputs still find models."""
        return EvidenceCatalog(self, fallback)

    def to_json(self) -> dict[str, Any]:
        """The stored form, empty values left out (not defaults: a score's date defaults to
        today, and must be kept)."""
        return self.model_dump(mode="json", exclude_none=True)

    def example_models(self) -> list[str]:
        """Models whose quality score or latency profile is one of the shipped examples."""
        return [
            m.id
            for m in self.models
            if (m.quality is not None and m.quality.source == "example")
            or (m.latency is not None and m.latency.source == "example")
        ]

    @property
    def price_map(self) -> str:
        """The price map the rows came from, e.g. "litellm 1.74.0 (2026-11-02)"."""
        dated = f" ({self.price_date.isoformat()})" if self.price_date else ""
        return f"{self.catalog_source or 'unknown'}{dated}"


def quality_basis(evidence: Evidence, framework_id: str) -> str:
    """Which quality scores the result used, in words, the largest group first: "Quality: HELM
    Lite: Core scenarios: Mean win rate (imported 2026-12-03) for 4 models; example scores for
    1 model" ('' when it used none, or the framework reads only prices and latency from the
    rows). The Models tab's source in use decides which score each row holds, so this is how
    the card and exports say which source the result rests on."""
    if not entry(framework_id).reads_quality:
        return ""
    groups: dict[str, int] = {}
    for m in evidence.models:
        if m.quality is not None:
            what = _quality_kind(m.quality)
            groups[what] = groups.get(what, 0) + 1
    if not groups:
        return ""
    ranked = sorted(groups.items(), key=lambda item: -item[1])
    return "Quality: " + "; ".join(f"{what} for {counted(n, 'model')}" for what, n in ranked)


def _quality_kind(q: QualityScore) -> str:
    if q.source == "example":
        return "example scores"
    if q.source == "entered" and not q.benchmark:
        return "scores you entered"
    return f"{q.benchmark or 'scores'} ({q.source} {q.date.isoformat()})"


def parse(raw: Mapping[str, Any] | None) -> Evidence | None:
    """A stored evidence record (None: the version was saved before evidence was kept);
    ValidationError when it is damaged (see `read`)."""
    return None if raw is None else Evidence.model_validate(raw)


def read(raw: Mapping[str, Any] | None) -> tuple[Evidence | None, str]:
    """A version's evidence and, when there is none to compute from, the sentence that says
    why (saved before evidence was kept, or damaged: the database was edited elsewhere)."""
    try:
        evidence = parse(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "evidence"
        return None, (
            f"This version's evidence cannot be read ({where}: {first['msg']}): computed with "
            "today's catalog."
        )
    return evidence, "" if evidence is not None else f"This version was {NO_EVIDENCE}."


class EvidenceCatalog(Catalog):
    """A catalog built from evidence: the recorded rows, the recorded misses, the recorded size.

    `with_quality` gives the recorded rows when the recorded computation took the whole
    catalog; otherwise (it named its models) today's scored models, recorded rows first.
    """

    def __init__(self, evidence: Evidence, fallback: Catalog | None = None) -> None:
        super().__init__(
            evidence.models,
            source=evidence.catalog_source or (fallback.source if fallback else "entered"),
            price_date=evidence.price_date
            if evidence.read or fallback is None
            else fallback.price_date,
        )
        self.evidence = evidence
        self._absent = frozenset(evidence.absent)
        self._fallback = fallback

    def _falls_back(self, model_id: object) -> bool:
        return (
            self._fallback is not None
            and model_id not in self._models
            and model_id not in self._absent
        )

    def __len__(self) -> int:
        if self.evidence.read or self._fallback is None:
            return self.evidence.catalog_size
        return len(self._fallback)

    def __contains__(self, model_id: object) -> bool:
        if model_id in self._models:
            return True
        fallback = self._fallback
        return fallback is not None and self._falls_back(model_id) and model_id in fallback

    def get(self, model_id: str) -> ModelInfo:
        if self._falls_back(model_id):
            assert self._fallback is not None
            return self._fallback.get(model_id)
        return super().get(model_id)

    def with_quality(self) -> list[ModelInfo]:
        if self.evidence.whole_catalog or self._fallback is None:
            return super().with_quality()
        return [self._models.get(m.id, m) for m in self._fallback.with_quality()]


class _Recorder(Catalog):
    """Answers as `inner` does and notes what was asked (see `record`)."""

    def __init__(self, inner: Catalog) -> None:
        # The inner catalog's dict is shared, not copied: recording costs nothing per model.
        self._models = inner._models
        self.source = inner.source
        self.price_date = inner.price_date
        self.base = inner.base
        self._inner = inner
        self._read: dict[str, ModelInfo] = {}
        self._absent: dict[str, None] = {}
        self._whole = False
        self._touched = False

    def __len__(self) -> int:
        self._touched = True
        return len(self._inner)

    def __iter__(self) -> Iterator[ModelInfo]:
        self._touched = True
        self._whole = True
        for m in self._inner:
            self._read.setdefault(m.id, m)
            yield m

    @property
    def models(self) -> list[ModelInfo]:
        return list(iter(self))

    def __contains__(self, model_id: object) -> bool:
        self._touched = True
        found = model_id in self._inner
        if found:
            assert isinstance(model_id, str)
            self._read.setdefault(model_id, self._inner.get(model_id))
        elif isinstance(model_id, str):
            self._absent.setdefault(model_id)
        return found

    def get(self, model_id: str) -> ModelInfo:
        self._touched = True
        try:
            model = self._inner.get(model_id)
        except KeyError:
            self._absent.setdefault(model_id)
            raise
        self._read.setdefault(model.id, model)
        return model

    def with_quality(self) -> list[ModelInfo]:
        self._touched = True
        self._whole = True
        scored = self._inner.with_quality()
        for m in scored:
            self._read.setdefault(m.id, m)
        return scored

    def replace(self, models: Any) -> Catalog:
        return self._inner.replace(models)

    def evidence(self) -> Evidence:
        if not self._touched:
            return _nothing_read()
        # Built from values the catalog already validated: no second validation per model.
        return Evidence.model_construct(
            models=list(self._read.values()),
            absent=list(self._absent),
            whole_catalog=self._whole,
            catalog_size=len(self._inner),
            catalog_source=self.source,
            price_date=self.price_date,
            read=True,
        )


def _nothing_read() -> Evidence:
    """The evidence of a computation that never read the catalog. Constructed without
    validation: the first compute runs before the first paint, and validating would build the
    schemas of Evidence and every catalog model there (about 80M instructions). The lists are
    given, not left to their default factories: for each factory pydantic asks
    inspect.signature whether it takes the validated data, about 0.4 ms a call, and this runs
    on every edit of a framework that reads no catalog. The fields stay unset, as defaults."""
    return Evidence.model_construct(_fields_set=set(), models=[], absent=[])


def record(framework: Any, inputs: BaseModel, catalog: Catalog | None) -> tuple[Any, Evidence]:
    """The framework's result for `inputs` and the evidence it read from `catalog`."""
    if catalog is None:
        return framework.compute(inputs, None), _nothing_read()
    recorder = _Recorder(catalog)
    result = framework.compute(inputs, recorder)
    return result, recorder.evidence()


def saved_catalog(evidence: Evidence | None, today: Catalog) -> Catalog:
    """The catalog a saved version is computed with: its evidence, or today's for a version
    saved before evidence was kept."""
    return today if evidence is None else evidence.catalog(today)


# What changed: between a version's evidence and today's catalog, or between two versions.


def _per_million(price: float | None) -> str:
    return "none" if price is None else f"${format_per_million(price)}"


def _quality_text(q: QualityScore | None) -> str:
    return "none" if q is None else f"{q.score:.3g}"


def _quality_origin(q: QualityScore) -> str:
    bench = f", {q.benchmark}" if q.benchmark else ""
    return f"{q.source}{bench}, {q.date.isoformat()}"


def _latency_text(p: LatencyProfile | None) -> str:
    if p is None:
        return "none"
    return (
        f"{format_number(p.ttft_ms)} ms to first token + "
        f"{format_number(p.output_tokens_per_second)} tokens/s"
    )


_PRICES = (
    ("input_cost_per_token", "input price"),
    ("output_cost_per_token", "output price"),
    ("input_cost_per_token_batch", "batch input price"),
    ("output_cost_per_token_batch", "batch output price"),
    ("cache_read_input_token_cost", "cached input price"),
    ("cache_read_input_token_cost_batch", "batch cached input price"),
)
_LIMITS = (("max_input_tokens", "context"), ("max_output_tokens", "output limit"))
_NOT_COMPARED = {"id", "quality", "latency", "custom", "price_overridden", "provider"}


def model_changes(old: ModelInfo, new: ModelInfo) -> list[str]:
    """What differs between two rows of one model, each as a phrase with its unit and, for
    a quality score or latency profile, where the new figure came from."""
    out: list[str] = []
    mid = old.id
    if old.quality != new.quality:
        oq, nq = old.quality, new.quality
        if nq is None:
            out.append(f"{mid} quality {_quality_text(oq)} → none (score removed)")
        elif oq is not None and oq.score == nq.score:
            out.append(
                f"{mid} quality {_quality_text(nq)}: source {_quality_origin(oq)} → "
                f"{_quality_origin(nq)}"
            )
        else:
            out.append(
                f"{mid} quality {_quality_text(oq)} → {_quality_text(nq)} ({_quality_origin(nq)})"
            )
    if old.latency != new.latency:
        ol, nl = old.latency, new.latency
        origin = f" ({nl.source}, {nl.date.isoformat()})" if nl is not None else ""
        if ol is not None and nl is not None and _latency_text(ol) == _latency_text(nl):
            out.append(
                f"{mid} latency {_latency_text(nl)}: source {ol.source}, "
                f"{ol.date.isoformat()} → {nl.source}, {nl.date.isoformat()}"
            )
        else:
            out.append(f"{mid} latency {_latency_text(ol)} → {_latency_text(nl)}{origin}")
    for key, label in _PRICES:
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            out.append(f"{mid} {label} {_per_million(a)} → {_per_million(b)} per million tokens")
    for key, label in _LIMITS:
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            fa = "none" if a is None else f"{a:,}"
            fb = "none" if b is None else f"{b:,}"
            out.append(f"{mid} {label} {fa} → {fb} tokens")
    out += _tier_changes(old, new)
    # Fields added to ModelInfo later (capabilities, dates) are compared as they are.
    named = _NOT_COMPARED | {k for k, _ in _PRICES} | {k for k, _ in _LIMITS} | {"price_tiers"}
    da, db = old.model_dump(mode="json"), new.model_dump(mode="json")
    for key in da.keys() | db.keys():
        if key not in named and da.get(key) != db.get(key):
            out.append(
                f"{mid} {key.replace('_', ' ')} {_plain(da.get(key))} → {_plain(db.get(key))}"
            )
    return out


def _plain(value: Any) -> str:
    """A stored value as a reader says it: yes/no and none, not Python's True/False/None."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def _tier_changes(old: ModelInfo, new: ModelInfo) -> list[str]:
    """Size-tier prices in words ("gemini/gemini-2.5-pro input price above 200,000 input
    tokens $2.50 → $3.00 per million tokens"), not the tiers' stored form."""
    mid = old.id
    a = {t.above_tokens: t for t in old.price_tiers}
    b = {t.above_tokens: t for t in new.price_tiers}
    out: list[str] = []
    for above in sorted(a.keys() | b.keys()):
        ta, tb = a.get(above), b.get(above)
        where = f"above {above:,} input tokens"
        if tb is None:
            out.append(f"{mid} no longer has prices {where}")
        elif ta is None:
            out.append(
                f"{mid} has prices {where}: {_per_million(tb.input_cost_per_token)} in / "
                f"{_per_million(tb.output_cost_per_token)} out per million tokens"
            )
        else:
            for key, label in _PRICES:
                pa, pb = getattr(ta, key), getattr(tb, key)
                if pa != pb:
                    out.append(
                        f"{mid} {label} {where} {_per_million(pa)} → {_per_million(pb)} per "
                        "million tokens"
                    )
            if ta.inclusive != tb.inclusive:
                rule = "from the threshold on" if tb.inclusive else "only above the threshold"
                out.append(f"{mid} prices {where} now apply {rule}")
    return out


def _new_model_text(m: ModelInfo) -> str:
    if m.quality is not None:
        return f"{m.id} joins the candidates (quality {_quality_text(m.quality)}, " + (
            f"{_quality_origin(m.quality)})"
        )
    return f"{m.id} is now in the catalog"


def evidence_changes(old: Evidence, new: Evidence) -> list[str]:
    """What differs between two versions' evidence: changed rows, rows used by one only, and
    the price map."""
    out: list[str] = []
    new_rows = {m.id: m for m in new.models}
    old_ids = {m.id for m in old.models}
    for m in old.models:
        now = new_rows.get(m.id)
        if now is None:
            out.append(f"{m.id} no longer used")
        else:
            out += model_changes(m, now)
    out += [_new_model_text(m) for m in new.models if m.id not in old_ids]
    if old.read and new.read and old.price_map != new.price_map:
        out.append(f"price map {old.price_map} → {new.price_map}")
    return out


def _today_changes(saved: Evidence, today: Catalog, today_evidence: Evidence) -> list[str]:
    """How today's catalog differs from a version's evidence, for the rows that matter."""
    out: list[str] = []
    for m in saved.models:
        if m.id not in today:
            out.append(f"{m.id} is no longer in the catalog")
            continue
        out += model_changes(m, today.get(m.id))
    saved_ids = {m.id for m in saved.models}
    out += [_new_model_text(m) for m in today_evidence.models if m.id not in saved_ids]
    if saved.read and today_evidence.read and saved.price_map != today_evidence.price_map:
        out.append(f"price map {saved.price_map} → {today_evidence.price_map}")
    return out


class Drift(NamedTuple):
    """Today's catalog would change a saved result: what changed and what the result becomes."""

    changes: list[str]
    saved_recommendation: str
    today_recommendation: str
    today_headline: str
    #: The result and evidence today's catalog gives (what "Recompute" would show).
    today_result: Any
    today_evidence: Evidence

    @property
    def outcome(self) -> str:
        # In words: Architecture Patterns' "modular" reads "Modular", a "none" "No pick".
        today = recommendation_label(self.today_recommendation)
        if self.today_recommendation != self.saved_recommendation:
            saved = recommendation_label(self.saved_recommendation)
            return f"the recommendation becomes {today} (saved: {saved})"
        return f"the recommendation stays {today}, and the result becomes: {self.today_headline}"

    @property
    def text(self) -> str:
        """One sentence: "gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03): the
        recommendation becomes gpt-4o (batch) (saved: gpt-4o-mini)"."""
        what = "; ".join(self.changes) if self.changes else "the catalog changed"
        return f"Today's catalog differs: {what}: {self.outcome}."

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "saved_recommendation": self.saved_recommendation,
            "today_recommendation": self.today_recommendation,
            "today_headline": self.today_headline,
            "text": self.text,
        }


#: Result fields that only restate which price map was read: a reinstalled litellm (another
#: file date) with the same prices is no drift.
_PROVENANCE_FIELDS = {"catalog_source", "price_date"}


def _material(result: BaseModel) -> BaseModel:
    provenance = _PROVENANCE_FIELDS & type(result).model_fields.keys()
    return result.model_copy(update=dict.fromkeys(provenance)) if provenance else result


def check_drift(
    framework: Any,
    inputs: BaseModel,
    saved_result: Any,
    saved: Evidence,
    today: Catalog,
) -> Drift | None:
    """None when today's catalog gives the saved result; else the Drift that says how not.

    A computation that read nothing from the catalog cannot drift: its path never reached
    the catalog, whatever the catalog holds (so no second computation is run for it)."""
    if not saved.read:
        return None
    today_result, today_evidence = record(framework, inputs, today)
    if _material(today_result) == _material(saved_result):
        return None
    return Drift(
        changes=_today_changes(saved, today, today_evidence),
        saved_recommendation=saved_result.recommendation,
        today_recommendation=today_result.recommendation,
        today_headline=today_result.headline,
        today_result=today_result,
        today_evidence=today_evidence,
    )


# Where each figure came from: the exports' evidence table.


class ProvenanceRow(NamedTuple):
    model: str
    provider: str
    prices: str
    quality: str
    latency: str


def provenance_rows(evidence: Evidence) -> list[ProvenanceRow]:
    """One row per model the result used: prices per million, and each quality score and
    latency profile with its source, benchmark and date."""
    rows = []
    for m in evidence.models:
        prices = (
            f"{_per_million(m.input_cost_per_token)} in / "
            f"{_per_million(m.output_cost_per_token)} out per million tokens"
        )
        if m.price_overridden:
            prices += " (your override)"
        quality = "none"
        if m.quality is not None:
            quality = f"{_quality_text(m.quality)} ({_quality_origin(m.quality)})"
        latency = "none"
        if m.latency is not None:
            p = m.latency
            # A probe's figures are medians of requests of one size: that size is part of them.
            probe = (
                f", p50s of {p.requests} streamed requests of about {p.input_tokens or 0:,} "
                f"input and {p.output_tokens:,} output tokens"
                if p.requests and p.output_tokens
                else ""
            )
            latency = f"{_latency_text(p)} ({p.source}{probe}, {p.date.isoformat()})"
        rows.append(ProvenanceRow(m.id, m.provider, prices, quality, latency))
    return rows


# A saved version as the window and the command line show it.


class SavedView(NamedTuple):
    """A saved version computed from its evidence, and how today's catalog would change it."""

    result: Any
    #: What the result rests on: the version's evidence, or today's rows when `recorded` is
    #: False (a version saved before evidence was recorded, computed with today's catalog).
    evidence: Evidence
    recorded: bool
    drift: Drift | None
    #: Why there is no evidence to compute from (empty when there is).
    missing: str = ""

    @property
    def notes(self) -> list[str]:
        """What the reader must know about the figures' basis, as sentences."""
        out = [self.missing] if self.missing else []
        examples = self.evidence.example_models()
        if examples:
            out.append(f"This result {EXAMPLE_WARNING} ({', '.join(examples)}).")
        return out


def open_saved(
    framework: Any, inputs: BaseModel, raw_evidence: Mapping[str, Any] | None, today: Catalog
) -> SavedView:
    """The saved result (from the version's evidence) and its drift against `today`."""
    saved, missing = read(raw_evidence)
    if saved is None:
        result, ev = record(framework, inputs, today)
        return SavedView(result, ev, False, None, missing)
    result = framework.compute(inputs, saved.catalog(today))
    return SavedView(result, saved, True, check_drift(framework, inputs, result, saved, today))
