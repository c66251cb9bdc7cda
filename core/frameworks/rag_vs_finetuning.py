"""RAG vs Fine-tuning: score retrieval, fine-tuning and both on six dimensions, and price them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from core import analysis
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    count,
    duration,
    format_value,
    money,
    param,
    per_million,
)

if TYPE_CHECKING:
    from core.catalog import Catalog, ModelInfo

ID = "rag_vs_finetuning"
TITLE = "RAG vs Fine-tuning"
GUIDE = (
    "Use this when a model must answer from your own domain knowledge and you are choosing "
    "between retrieval-augmented generation (RAG: look the documents up and put them in the "
    "prompt), fine-tuning (train the knowledge and the behaviour into the model) or a hybrid of "
    "both. Describe the team's situation and the economics: each option is scored 0-10 on the "
    "six dimensions of the decision matrix (time to production, latency impact, cost per "
    "inference, knowledge currency, quality ceiling, fit), the scores are weighted by your "
    "weights, and the monthly cost of each option is compared across volumes, with the volume at "
    "which fine-tuning's cheaper requests pay back its training and retraining. The default "
    "prices are examples to replace with your provider's current ones (a gpt-4o-mini-like base "
    "model at $0.15/$0.60 per million input/output tokens, its fine-tune at $0.30/$1.20, training "
    "at $3 per million tokens), or pick catalog models. The scores are stated rules of thumb "
    "(see the summary's assumptions); the hybrid runs the fine-tuned model with retrieved "
    "context, and every option is assumed to answer as fast as the base model apart from "
    "retrieval."
)

Option = Literal["rag", "fine-tuning", "hybrid"]
Dimension = Literal[
    "time_to_production",
    "latency_impact",
    "cost_per_inference",
    "knowledge_currency",
    "quality_ceiling",
    "fit",
]
Specialisation = Literal["low", "medium", "high"]
Experience = Literal["none", "some", "strong"]

OPTIONS: tuple[Option, ...] = ("rag", "fine-tuning", "hybrid")
OPTION_LABELS: dict[str, str] = {"rag": "RAG", "fine-tuning": "Fine-tuning", "hybrid": "Hybrid"}
#: The same names inside a sentence.
OPTION_NAMES: dict[str, str] = {"rag": "RAG", "fine-tuning": "fine-tuning", "hybrid": "hybrid"}
DIMENSIONS: tuple[Dimension, ...] = (
    "time_to_production",
    "latency_impact",
    "cost_per_inference",
    "knowledge_currency",
    "quality_ceiling",
    "fit",
)
DIMENSION_LABELS: dict[str, str] = {
    "time_to_production": "Time to production",
    "latency_impact": "Latency impact",
    "cost_per_inference": "Cost per inference",
    "knowledge_currency": "Knowledge currency",
    "quality_ceiling": "Quality ceiling",
    "fit": "Fit",
}

#: Fine-tuning's build time scales with the team's ML experience (training and evaluating a
#: model is the ML-heavy step; a retrieval pipeline is mostly ordinary software work).
EXPERIENCE_FACTOR: dict[str, float] = {"none": 1.5, "some": 1.0, "strong": 0.75}
#: How much the task needs specialised behaviour (reasoning or output format), 0..1.
SPECIALISATION_NEED: dict[str, float] = {"low": 0.0, "medium": 0.5, "high": 1.0}
#: Share of answer quality that is behaviour rather than knowledge: 0.2 + 0.6 x need.
BEHAVIOUR_SHARE_MIN = 0.2
BEHAVIOUR_SHARE_SPAN = 0.6
#: How well a prompted, not fine-tuned, model does the specialised part (0..1).
PROMPTED_BEHAVIOUR = 0.5
#: Weeks to join a retrieval pipeline to a fine-tuned model once both exist.
HYBRID_INTEGRATION_WEEKS = 2.0
#: Knowledge bases from this size (tokens) start to call for retrieval; from the upper size on
#: fully (log scale in between).
LARGE_KB_FROM_TOKENS = 1e5
LARGE_KB_FULL_TOKENS = 1e7
#: The cost-vs-volume series: points, and decades shown either side of the volumes of interest.
SERIES_POINTS = 161
SERIES_MARGIN_DECADES = 2
SERIES_MAX_EXPONENT = 16

SITUATION = "Situation"
TIME = "Time to production"
TRAFFIC = "Traffic and models"
RAG = "RAG"
FT = "Fine-tuning"
WEIGHTS = "Weights"


def _weight(title: str, what: str) -> float:
    weight: float = param(
        1.0,
        ge=0,
        le=10,
        step=0.5,
        unit="relative",
        group=WEIGHTS,
        title=title,
        description=f"How much {what} counts, relative to the other five weights (they are "
        "normalised to shares that add up to 100%; 0 leaves the dimension out).",
    )
    return weight


class Inputs(FrameworkInputs):
    knowledge_updates_per_month: float = param(
        4,
        ge=0,
        le=100_000,
        step=1,
        unit="updates/month",
        group=SITUATION,
        title="Knowledge updates per month",
        description="How often the knowledge the answers draw on changes (new or edited "
        "documents, prices, policies), in updates a month: 30 is daily, 0 a stable domain.",
    )
    knowledge_base_tokens: float = param(
        5e6,
        ge=0,
        le=1e13,
        step=1e5,
        unit="tokens",
        group=SITUATION,
        title="Knowledge base size",
        description="Size of the documents the answers draw on, in tokens (about 750 words per "
        "1,000 tokens). Retrieval copes with any size; a fine-tune only knows what its training "
        "data covered.",
    )
    citations_required: bool = param(
        True,
        group=SITUATION,
        title="Answers must cite sources",
        description="Whether every answer must point to the documents it came from. Retrieval "
        "returns its sources; a fine-tuned model cannot say where it learned something.",
    )
    latency_budget_ms: float = param(
        3000,
        ge=1,
        le=600_000,
        step=100,
        unit="ms",
        group=SITUATION,
        title="Latency budget",
        description="The longest a user should wait for a whole answer, in milliseconds.",
    )
    model_latency_ms: float = param(
        1500,
        ge=0,
        le=600_000,
        step=100,
        unit="ms",
        group=SITUATION,
        title="Model latency without retrieval",
        description="How long the model takes to answer on its own (time to first token plus "
        "generation), in milliseconds. Replaced by the catalog's latency profile of the base "
        "model when it has one.",
    )
    labelled_examples: int = param(
        500,
        ge=0,
        le=1_000_000_000,
        step=100,
        unit="examples",
        group=SITUATION,
        title="Labelled examples available",
        description="Input/answer pairs of the task you already have, ready to train on.",
    )
    specialisation: Specialisation = param(
        "medium",
        unit="",
        group=SITUATION,
        title="Specialised reasoning or format",
        description="How specialised the reasoning or the output format is: low (a general "
        "model's answers are fine once it has the facts), medium, or high (a house style, a "
        "strict format or domain reasoning the base model does not do when asked).",
    )
    ml_experience: Experience = param(
        "some",
        unit="",
        group=SITUATION,
        title="ML experience of the team",
        description="The team's experience of training and evaluating models: none (fine-tuning "
        "takes 1.5x its build time), some (1x) or strong (0.75x).",
    )
    weeks_available: float = param(
        8,
        ge=1,
        le=520,
        step=1,
        unit="weeks",
        group=TIME,
        title="Weeks available",
        description="Weeks until the system must be in production.",
    )
    rag_build_weeks: float = param(
        4,
        ge=0,
        le=520,
        step=1,
        unit="weeks",
        group=TIME,
        title="RAG build time",
        description="Weeks to build the retrieval pipeline (ingest, chunk, embed, index, "
        "evaluate) and ship it. The source puts RAG at weeks.",
    )
    finetune_build_weeks: float = param(
        10,
        ge=0,
        le=520,
        step=1,
        unit="weeks",
        group=TIME,
        title="Fine-tuning build time",
        description="Weeks to train, evaluate and ship a fine-tune once its labelled examples "
        "exist, for a team with some ML experience. The source puts fine-tuning at months "
        "(collect, label, train).",
    )
    examples_needed: int = param(
        1000,
        ge=1,
        le=1_000_000_000,
        step=100,
        unit="examples",
        group=TIME,
        title="Labelled examples needed",
        description="Labelled examples a good fine-tune of this task needs. A shortfall must be "
        "labelled first and, until it is, limits the fine-tune's quality.",
    )
    labelling_rate_per_week: float = param(
        200,
        ge=1,
        le=10_000_000,
        step=50,
        unit="examples/week",
        group=TIME,
        title="Labelling rate",
        description="Examples the team can label (or review) per week to close the shortfall.",
    )
    requests_per_month: int = param(
        1_000_000,
        ge=0,
        le=10**12,
        step=100_000,
        unit="requests/month",
        group=TRAFFIC,
        title="Requests per month",
        description="Questions the system answers per month.",
    )
    input_tokens_per_request: float = param(
        500,
        ge=0,
        le=1e7,
        step=100,
        unit="tokens",
        group=TRAFFIC,
        title="Input tokens per request",
        description="Prompt and question tokens per request, before any retrieved context.",
    )
    output_tokens_per_request: float = param(
        300,
        ge=0,
        le=1e7,
        step=50,
        unit="tokens",
        group=TRAFFIC,
        title="Output tokens per request",
        description="Answer tokens per request.",
    )
    base_model: str = param(
        "",
        unit="",
        group=TRAFFIC,
        title="Base model",
        choices="catalog_models",
        empty_text="Use the entered prices",
        description="The catalog model RAG runs on and fine-tuning starts from. Its catalog "
        "prices (and latency profile, if it has one) replace the entered base prices; empty "
        "uses the entered prices.",
    )
    base_input_cost_per_token: float = param(
        0.15e-6,
        ge=0,
        le=1,
        step=1e-8,
        unit="$/token",
        group=TRAFFIC,
        title="Base model input price",
        description="What the base model charges per input token, in dollars (example: a "
        "gpt-4o-mini-like $0.15 per million). Used unless a catalog base model is picked.",
    )
    base_output_cost_per_token: float = param(
        0.60e-6,
        ge=0,
        le=1,
        step=1e-8,
        unit="$/token",
        group=TRAFFIC,
        title="Base model output price",
        description="What the base model charges per output token, in dollars (example: $0.60 "
        "per million). Used unless a catalog base model is picked.",
    )
    finetuned_model: str = param(
        "",
        unit="",
        group=TRAFFIC,
        title="Fine-tuned model",
        choices="catalog_models",
        empty_text="Use the entered prices",
        description="A catalog entry priced as the fine-tuned model (price maps list some, e.g. "
        "ft:gpt-4o-mini). Its catalog prices replace the entered fine-tuned prices; empty uses "
        "the entered prices.",
    )
    finetuned_input_cost_per_token: float = param(
        0.30e-6,
        ge=0,
        le=1,
        step=1e-8,
        unit="$/token",
        group=TRAFFIC,
        title="Fine-tuned input price",
        description="What the fine-tuned model charges per input token, in dollars (example: "
        "$0.30 per million, twice the base price).",
    )
    finetuned_output_cost_per_token: float = param(
        1.20e-6,
        ge=0,
        le=1,
        step=1e-8,
        unit="$/token",
        group=TRAFFIC,
        title="Fine-tuned output price",
        description="What the fine-tuned model charges per output token, in dollars (example: "
        "$1.20 per million).",
    )
    amortisation_months: float = param(
        12,
        ge=1,
        le=120,
        step=1,
        unit="months",
        group=TRAFFIC,
        title="Spread one-off costs over",
        description="Months over which one-off costs (RAG setup, data preparation, the first "
        "training run) are spread in the monthly cost: the life you expect of this decision.",
    )
    retrieval_latency_ms: float = param(
        500,
        ge=0,
        le=600_000,
        step=50,
        unit="ms",
        group=RAG,
        title="Retrieval latency",
        description="Time retrieval adds to every request (embed the question, vector search, "
        "rerank), in milliseconds. The source puts it at +500 ms.",
    )
    top_k: int = param(
        5,
        ge=1,
        le=1000,
        step=1,
        unit="chunks",
        group=RAG,
        title="Chunks retrieved (top-k)",
        description="Chunks of the knowledge base put into every prompt.",
    )
    chunk_tokens: float = param(
        500,
        ge=1,
        le=1_000_000,
        step=50,
        unit="tokens",
        group=RAG,
        title="Chunk size",
        description="Tokens per chunk: top-k x chunk size tokens of context are added to every "
        "request's input.",
    )
    retrieval_hit_rate_pct: float = param(
        85,
        ge=0,
        le=100,
        step=5,
        unit="%",
        group=RAG,
        title="Retrieval hit rate",
        description="Share of questions whose answer is in the retrieved chunks: the ceiling of "
        "what retrieval can supply.",
    )
    vector_store_cost_per_month: float = param(
        70,
        ge=0,
        le=1e11,
        step=10,
        unit="$/month",
        group=RAG,
        title="Vector store cost",
        description="Monthly cost of hosting the vector index.",
    )
    embedding_cost_per_month: float = param(
        10,
        ge=0,
        le=1e11,
        step=10,
        unit="$/month",
        group=RAG,
        title="Embedding cost",
        description="Monthly cost of embedding questions and re-embedding changed documents.",
    )
    rag_setup_cost: float = param(
        5000,
        ge=0,
        le=1e11,
        step=1000,
        unit="$",
        group=RAG,
        title="RAG setup cost",
        description="One-off cost of building the retrieval pipeline and the first indexing.",
    )
    training_tokens: float = param(
        1e6,
        ge=0,
        le=1e13,
        step=1e5,
        unit="tokens",
        group=FT,
        title="Training tokens",
        description="Tokens in the training set (one epoch).",
    )
    epochs: int = param(
        3,
        ge=1,
        le=100,
        step=1,
        unit="epochs",
        group=FT,
        title="Epochs",
        description="Passes over the training set per training run; each is billed.",
    )
    training_cost_per_token: float = param(
        3e-6,
        ge=0,
        le=1,
        step=1e-7,
        unit="$/token",
        group=FT,
        title="Training price",
        description="What a training run costs per training token, in dollars (example: $3 per "
        "million).",
    )
    data_preparation_cost: float = param(
        10_000,
        ge=0,
        le=1e11,
        step=1000,
        unit="$",
        group=FT,
        title="Data preparation cost",
        description="One-off cost of collecting, cleaning and labelling the training set.",
    )
    retrain_every_months: float = param(
        3,
        ge=1,
        le=120,
        step=1,
        unit="months",
        group=FT,
        title="Retrain every",
        description="Months between training runs that refresh the fine-tune (each repeats the "
        "training run). Knowledge that changes in between is missing from the model.",
    )
    weight_time_to_production: float = _weight("Weight: time to production", "getting live soon")
    weight_latency_impact: float = _weight("Weight: latency impact", "added latency")
    weight_cost_per_inference: float = _weight("Weight: cost per inference", "monthly cost")
    weight_knowledge_currency: float = _weight(
        "Weight: knowledge currency", "answering from current knowledge"
    )
    weight_quality_ceiling: float = _weight("Weight: quality ceiling", "the best reachable quality")
    weight_fit: float = _weight("Weight: fit", "fit with the situation (the matrix's 'best for')")

    @model_validator(mode="after")
    def _some_weight(self) -> Inputs:
        if not any(self.weights().values()):
            raise ValueError(
                "the six dimension weights are all 0: give at least one a weight above 0"
            )
        return self

    def weights(self) -> dict[str, float]:
        return {d: float(getattr(self, f"weight_{d}")) for d in DIMENSIONS}


class OptionScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    option: Option
    score: float
    reason: str


class DimensionScore(BaseModel):
    """One dimension: its share of the weight and each option's 0-10 score with the reason."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    label: str
    weight: float
    scores: list[OptionScore]

    def score_of(self, option: str) -> OptionScore:
        return next(s for s in self.scores if s.option == option)


class OptionSummary(BaseModel):
    """One option's weighted score and economics (dollars, tokens, milliseconds)."""

    model_config = ConfigDict(frozen=True)

    option: Option
    label: str
    total_score: float
    input_cost_per_token: float
    output_cost_per_token: float
    context_tokens_per_request: float
    token_cost_per_request: float
    cost_per_request: float | None
    monthly_cost: float
    fixed_cost_per_month: float
    one_off_cost: float
    recurring_cost_per_month: float
    added_latency_ms: float


class Result(FrameworkResult):
    recommendation: Option
    economics_choice: Option
    disagreement: str | None
    options: list[OptionSummary]
    dimensions: list[DimensionScore]
    crossover_requests_per_month: float | None
    crossover_monthly_cost: float | None
    finetune_cheaper_below_requests_per_month: float | None
    requests_per_month: float
    amortisation_months: float
    model_latency_ms: float
    base_prices_from: str
    finetuned_prices_from: str
    volumes: list[float]
    rag_monthly: list[float]
    fine_tuning_monthly: list[float]
    hybrid_monthly: list[float]

    def option(self, option: str) -> OptionSummary:
        return next(o for o in self.options if o.option == option)

    def dimension(self, dimension: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.dimension == dimension)


@dataclass(frozen=True)
class _Prices:
    input: float
    output: float
    source: str  # the catalog model id, or "" for the entered prices
    note: str | None


def _prices(
    model_id: str, entered_in: float, entered_out: float, catalog: Catalog | None, role: str
) -> tuple[_Prices, ModelInfo | None]:
    """The catalog's prices for `model_id` when it has the model, else the entered ones."""
    if not model_id:
        return _Prices(input=entered_in, output=entered_out, source="", note=None), None
    info = None
    if catalog is not None and model_id in catalog:
        try:
            info = catalog.get(model_id)
        except KeyError:
            info = None
    entered = (
        f"the entered {role} prices ({per_million(entered_in)}/{per_million(entered_out)} per "
        "million input/output tokens) are used"
    )
    if info is None:
        note = f"The {role} model '{model_id}' is not in the catalog, so {entered}."
        return _Prices(input=entered_in, output=entered_out, source="", note=note), None
    if info.usable_prices is None:
        note = f"The catalog prices of the {role} model {model_id} are unusable, so {entered}."
        return _Prices(input=entered_in, output=entered_out, source="", note=note), None
    note = (
        f"The catalog prices of the {role} model {model_id} "
        f"({per_million(info.input_cost_per_token)}/{per_million(info.output_cost_per_token)} "
        f"per million input/output tokens) replace the entered {role} prices."
    )
    prices = _Prices(
        input=info.input_cost_per_token,
        output=info.output_cost_per_token,
        source=model_id,
        note=note,
    )
    return prices, info


def _clip01(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _deadline_score(needed: float, available: float) -> float:
    """10 for nothing needed, 5 when exactly the whole allowance is used, 0 at twice it."""
    if needed <= 0:
        return 10.0
    if available <= 0:
        return 0.0
    return 10.0 * _clip01(1.0 - needed / available / 2.0)


def _pick(values: dict[Option, float], best: str) -> Option:
    """The option with the highest (best="max") or lowest value; ties go to the simpler option.

    Options are ordered RAG, fine-tuning, hybrid: the source calls RAG the faster and cheaper
    way in, and a hybrid is both systems to build and run.
    """
    sign = 1.0 if best == "max" else -1.0
    top = max(sign * values[o] for o in OPTIONS)
    tolerance = 1e-9 * max(abs(top), 1e-300)
    return next(o for o in OPTIONS if sign * values[o] >= top - tolerance)


def _volume_grid(volume: float, crossover: float | None) -> np.ndarray:
    """Log-spaced monthly volumes around the entered volume and the crossover."""
    refs = [v for v in (volume, crossover) if v is not None and v > 0]
    if not refs:
        refs = [1e5]
    hi = min(math.ceil(math.log10(max(refs))) + SERIES_MARGIN_DECADES, SERIES_MAX_EXPONENT)
    lo = max(math.floor(math.log10(min(refs))) - SERIES_MARGIN_DECADES, 0)
    lo = min(lo, hi - 2 * SERIES_MARGIN_DECADES)
    return np.logspace(lo, hi, SERIES_POINTS)


def compute(inputs: Inputs, catalog: Catalog | None = None) -> Result:
    """Score RAG, fine-tuning and a hybrid of both, and compare what each costs a month.

    Economics (dollars, tokens, requests a month; V = requests per month):
      context        = top_k x chunk_tokens tokens added to every RAG and hybrid request
      per request    RAG    = (input + context) x base input price + output x base output price
                     FT     = input x FT input price + output x FT output price
                     hybrid = (input + context) x FT input price + output x FT output price
      training run   = training_tokens x epochs x training price per token
      one-off        RAG = setup; FT = data preparation + first training run; hybrid = both
      recurring      RAG = vector store + embedding a month; FT = training run / retrain
                     interval; hybrid = both
      monthly        = per request x V + recurring + one-off / amortisation months
      crossover      = (FT fixed a month - RAG fixed a month) / (RAG per request - FT per
                     request): the volume above which fine-tuning is the cheaper of the two;
                     0 when it has no fixed cost to earn back (also when the requests cost
                     the same, to within 1e-9 of their size, and its fixed costs are lower),
                     None ("never") otherwise when its requests are not cheaper.
    Added latency: retrieval latency for RAG and hybrid, none for fine-tuning (the source's
    +500 ms vs "none").
    Dimension scores are 0-10 (the formulas are in the _score_* functions and the summary's
    assumptions); the weighted total uses the weights normalised to shares. The recommendation
    is the best weighted total; the economics' choice is the cheapest option a month at V.
    `catalog` is optional: a catalog model picked as the base or fine-tuned model replaces the
    entered prices (and the base model's latency profile the entered model latency).
    """
    x = inputs
    base, base_info = _prices(
        x.base_model, x.base_input_cost_per_token, x.base_output_cost_per_token, catalog, "base"
    )
    tuned, _ = _prices(
        x.finetuned_model,
        x.finetuned_input_cost_per_token,
        x.finetuned_output_cost_per_token,
        catalog,
        "fine-tuned",
    )
    model_latency = x.model_latency_ms
    latency_note = None
    profile = base_info.latency if base_info is not None else None
    measured = profile.latency_ms(x.output_tokens_per_request) if profile else math.nan
    if base_info is not None and math.isfinite(measured):
        model_latency = measured
        latency_note = (
            f"The model latency, {duration(model_latency)}, comes from the catalog's latency "
            f"profile of {base_info.id} (time to first token plus "
            f"{x.output_tokens_per_request:,.0f} output tokens)."
        )

    econ = _economics(x, base, tuned)
    crossover, cheaper_below = _crossover(econ)
    dims = _dimensions(x, econ, model_latency, _shares(x.weights()))
    totals = {o: float(sum(d.weight * d.score_of(o).score for d in dims)) for o in OPTIONS}
    recommendation = _pick(totals, "max")
    monthly = {o: econ[o].monthly for o in OPTIONS}
    cheapest = _pick(monthly, "min")
    disagreement = _disagreement(x, recommendation, cheapest, totals, monthly, crossover)

    volumes = _volume_grid(x.requests_per_month, crossover)
    series = {o: econ[o].fixed + econ[o].per_request * volumes for o in OPTIONS}
    options = [
        OptionSummary(
            option=o,
            label=OPTION_LABELS[o],
            total_score=totals[o],
            input_cost_per_token=econ[o].input_price,
            output_cost_per_token=econ[o].output_price,
            context_tokens_per_request=econ[o].context,
            token_cost_per_request=econ[o].per_request,
            cost_per_request=(
                econ[o].monthly / x.requests_per_month if x.requests_per_month > 0 else None
            ),
            monthly_cost=econ[o].monthly,
            fixed_cost_per_month=econ[o].fixed,
            one_off_cost=econ[o].one_off,
            recurring_cost_per_month=econ[o].recurring,
            added_latency_ms=econ[o].latency,
        )
        for o in OPTIONS
    ]
    rationale = _rationale(
        x, options, dims, recommendation, cheapest, crossover, cheaper_below, disagreement
    )
    rationale += [n for n in (base.note, tuned.note, latency_note) if n]
    label = OPTION_LABELS[recommendation]
    if disagreement:
        headline = (
            f"{label}: best on the weighted dimensions ({totals[recommendation]:.2f} of 10), "
            f"though {OPTION_NAMES[cheapest]} is cheaper at this volume"
        )
    else:
        headline = (
            f"{label}: best on the weighted dimensions ({totals[recommendation]:.2f} of 10) and "
            "the cheapest at this volume"
        )
    return Result(
        recommendation=recommendation,
        headline=headline,
        rationale=rationale,
        figures=_figures(options, crossover, econ["rag"].latency),
        economics_choice=cheapest,
        disagreement=disagreement,
        options=options,
        dimensions=dims,
        crossover_requests_per_month=crossover,
        crossover_monthly_cost=(
            None if crossover is None else econ["rag"].fixed + econ["rag"].per_request * crossover
        ),
        finetune_cheaper_below_requests_per_month=cheaper_below,
        requests_per_month=x.requests_per_month,
        amortisation_months=x.amortisation_months,
        model_latency_ms=model_latency,
        base_prices_from=base.source,
        finetuned_prices_from=tuned.source,
        volumes=[float(v) for v in volumes],
        rag_monthly=[float(v) for v in series["rag"]],
        fine_tuning_monthly=[float(v) for v in series["fine-tuning"]],
        hybrid_monthly=[float(v) for v in series["hybrid"]],
    )


@dataclass(frozen=True)
class _Economics:
    """One option's money and latency: dollars per request, one-off, a month; milliseconds."""

    input_price: float
    output_price: float
    context: float
    per_request: float
    one_off: float
    recurring: float
    fixed: float
    monthly: float
    latency: float


def _economics(x: Inputs, base: _Prices, tuned: _Prices) -> dict[str, _Economics]:
    context = x.top_k * x.chunk_tokens
    run = x.training_tokens * x.epochs * x.training_cost_per_token
    rag_recurring = x.vector_store_cost_per_month + x.embedding_cost_per_month
    ft_recurring = run / x.retrain_every_months
    plan = {
        "rag": (base, context, x.rag_setup_cost, rag_recurring, x.retrieval_latency_ms),
        "fine-tuning": (tuned, 0.0, x.data_preparation_cost + run, ft_recurring, 0.0),
        "hybrid": (
            tuned,
            context,
            x.rag_setup_cost + x.data_preparation_cost + run,
            rag_recurring + ft_recurring,
            x.retrieval_latency_ms,
        ),
    }
    out = {}
    for option, (prices, ctx, one_off, recurring, latency) in plan.items():
        per_request = (
            x.input_tokens_per_request + ctx
        ) * prices.input + x.output_tokens_per_request * prices.output
        fixed = recurring + one_off / x.amortisation_months
        out[option] = _Economics(
            input_price=prices.input,
            output_price=prices.output,
            context=ctx,
            per_request=per_request,
            one_off=one_off,
            recurring=recurring,
            fixed=fixed,
            monthly=fixed + per_request * x.requests_per_month,
            latency=latency,
        )
    return out


def _crossover(econ: dict[str, _Economics]) -> tuple[float | None, float | None]:
    """(volume above which fine-tuning is cheaper than RAG, volume below which it is).

    The first exists when fine-tuning's requests are cheaper; the second when they are dearer
    but RAG's fixed costs are the higher ones. Either is None when it does not exist.
    """
    rag, ft = econ["rag"], econ["fine-tuning"]
    if _same_per_request(rag.per_request, ft.per_request):
        # Equal requests leave the fixed costs to decide, the same way at every volume.
        return (0.0 if ft.fixed < rag.fixed else None), None
    scale = max(rag.per_request, ft.per_request)
    above = analysis.payback_quantity(ft.fixed - rag.fixed, rag.per_request - ft.per_request, scale)
    below = None
    if above is None:
        below = analysis.payback_quantity(
            rag.fixed - ft.fixed, ft.per_request - rag.per_request, scale
        )
        # 0 would mean "cheaper below no volume at all": not a range worth naming.
        if below == 0.0:
            below = None
    return above, below


def _same_per_request(rag: float, ft: float) -> bool:
    """Whether two request costs are equal but for float noise (analysis.payback_quantity's
    1e-9 of their size), so that no volume can pay back a fixed cost through them."""
    return abs(rag - ft) <= 1e-9 * max(rag, ft)


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {d: w / total for d, w in weights.items()}


def _dimensions(
    x: Inputs, econ: dict[str, _Economics], model_latency: float, shares: dict[str, float]
) -> list[DimensionScore]:
    makers = {
        "time_to_production": _score_time,
        "latency_impact": lambda x: _score_latency(x, econ, model_latency),
        "cost_per_inference": lambda x: _score_cost(x, econ),
        "knowledge_currency": _score_currency,
        "quality_ceiling": _score_quality,
        "fit": _score_fit,
    }
    out = []
    for d in DIMENSIONS:
        scored = makers[d](x)
        out.append(
            DimensionScore(
                dimension=d,
                label=DIMENSION_LABELS[d],
                weight=shares[d],
                scores=[
                    OptionScore(option=o, score=scored[o][0], reason=scored[o][1]) for o in OPTIONS
                ],
            )
        )
    return out


Scored = dict[str, tuple[float, str]]


def _weeks_needed(x: Inputs) -> tuple[float, float, float, float, int]:
    """(RAG weeks, fine-tuning weeks, hybrid weeks, labelling weeks, examples missing)."""
    missing = max(x.examples_needed - x.labelled_examples, 0)
    labelling = missing / x.labelling_rate_per_week
    ft = x.finetune_build_weeks * EXPERIENCE_FACTOR[x.ml_experience] + labelling
    rag = x.rag_build_weeks
    hybrid = max(rag, ft) + HYBRID_INTEGRATION_WEEKS
    return rag, ft, hybrid, labelling, missing


def _score_time(x: Inputs) -> Scored:
    """Weeks needed w against weeks available W: 10 x (1 - w / 2W), within 0..10."""
    rag, ft, hybrid, labelling, missing = _weeks_needed(x)
    w = x.weeks_available
    against = f"against the {w:g} weeks available"
    build = x.finetune_build_weeks * EXPERIENCE_FACTOR[x.ml_experience]
    if missing:
        labelled = (
            f" plus {labelling:.1f} to label the {missing:,} missing examples at "
            f"{x.labelling_rate_per_week:g} a week"
        )
    else:
        labelled = (
            f" (the {x.labelled_examples:,} labelled examples cover the {x.examples_needed:,} "
            "needed)"
        )
    longer = "fine-tuning" if ft >= rag else "RAG"
    return {
        "rag": (
            _deadline_score(rag, w),
            f"needs about {rag:.1f} weeks (RAG build time) {against}",
        ),
        "fine-tuning": (
            _deadline_score(ft, w),
            f"needs about {ft:.1f} weeks {against}: {build:.1f} to train and ship with "
            f"{x.ml_experience} ML experience{labelled}",
        ),
        "hybrid": (
            _deadline_score(hybrid, w),
            f"needs about {hybrid:.1f} weeks {against}: the longer build ({longer}, "
            f"{max(rag, ft):.1f} weeks) plus {HYBRID_INTEGRATION_WEEKS:g} to join retrieval to "
            "the fine-tuned model",
        ),
    }


def _score_latency(x: Inputs, econ: dict[str, _Economics], model_latency: float) -> Scored:
    """Added latency a against the headroom H = budget - model latency: 10 x (1 - a / 2H)."""
    budget = x.latency_budget_ms
    headroom = budget - model_latency
    out: Scored = {}
    for o in OPTIONS:
        added = econ[o].latency
        total = model_latency + added
        if added <= 0:
            what = (
                "adds no latency (the change is in the model's weights)"
                if o == "fine-tuning"
                else "adds no latency (retrieval latency is 0 ms)"
            )
            out[o] = (
                10.0,
                f"{what}: {duration(total)} against the {duration(budget)} latency budget",
            )
        elif headroom <= 0:
            out[o] = (
                0.0,
                f"the model alone takes {duration(model_latency)}, leaving nothing of the "
                f"{duration(budget)} latency budget, and retrieval adds {duration(added)} more",
            )
        else:
            over = ", over budget" if total > budget else ""
            out[o] = (
                _deadline_score(added, headroom),
                f"retrieval adds {duration(added)}: {duration(total)} against the "
                f"{duration(budget)} latency budget{over}",
            )
    return out


def _score_cost(x: Inputs, econ: dict[str, _Economics]) -> Scored:
    """All-in monthly cost m against the cheapest m0: 10 x m0 / m (10 for the cheapest)."""
    monthly = {o: econ[o].monthly for o in OPTIONS}
    cheapest = _pick(monthly, "min")
    low = monthly[cheapest]
    v = x.requests_per_month
    out: Scored = {}
    for o in OPTIONS:
        m = monthly[o]
        per = f" ({money(m / v)} a request all-in)" if v > 0 else ""
        if m <= low * (1 + 1e-9):
            score, versus = 10.0, "the cheapest"
        elif low <= 0:
            score, versus = 0.0, f"while {OPTION_NAMES[cheapest]} costs nothing"
        else:
            score = 10.0 * low / m
            versus = f"{m / low:,.3g}x the cheapest ({OPTION_NAMES[cheapest]})"
        out[o] = (score, f"{money(m)} a month at {v:,.0f} requests a month{per}, {versus}")
    return out


def _score_currency(x: Inputs) -> Scored:
    """RAG and hybrid 10 (documents are updated in place); fine-tuning 10 / (1 + U x N)."""
    u, n = x.knowledge_updates_per_month, x.retrain_every_months
    pending = u * n
    if u == 0:
        rag = "the knowledge does not change (0 updates a month); documents can change any time"
        ft = "the knowledge does not change (0 updates a month), so a trained model stays current"
    else:
        rag = (
            f"knowledge changes {u:g} times a month: updating the indexed documents keeps "
            "answers current"
        )
        ft = (
            f"knowledge changes {u:g} times a month but the model is retrained every {n:g} "
            f"months: about {count(pending)} updates pile up between retrains (staying current "
            "would need a retrain for each)"
        )
    hybrid = (
        f"retrieval brings in the {u:g} knowledge updates a month; the fine-tune carries only "
        "reasoning and format, which do not go stale with them"
    )
    return {
        "rag": (10.0, rag),
        "fine-tuning": (10.0 / (1.0 + pending), ft),
        "hybrid": (10.0, hybrid),
    }


def _quality_parts(x: Inputs) -> tuple[float, float, float, float]:
    """(behaviour share, retrieval hit rate, example sufficiency, knowledge coverage), 0..1."""
    share = BEHAVIOUR_SHARE_MIN + BEHAVIOUR_SHARE_SPAN * SPECIALISATION_NEED[x.specialisation]
    hit = x.retrieval_hit_rate_pct / 100
    enough = min(x.labelled_examples / x.examples_needed, 1.0)
    kb = x.knowledge_base_tokens
    coverage = 1.0 if kb <= 0 else min(x.training_tokens / kb, 1.0)
    return share, hit, enough, coverage


def _score_quality(x: Inputs) -> Scored:
    """Quality = 10 x ((1 - s) x knowledge + s x behaviour), s = the behaviour share.

    Knowledge: RAG the retrieval hit rate h; fine-tuning the share c of the knowledge base its
    training tokens cover; hybrid h + (1 - h) c. Behaviour: prompted 0.5; fine-tuned
    0.5 + 0.5 e, e = labelled examples / examples needed (at most 1).
    """
    share, hit, enough, coverage = _quality_parts(x)
    tuned = PROMPTED_BEHAVIOUR + (1 - PROMPTED_BEHAVIOUR) * enough

    def q(knowledge: float, behaviour: float) -> float:
        return 10.0 * ((1 - share) * knowledge + share * behaviour)

    spec = x.specialisation
    if x.labelled_examples >= x.examples_needed:
        examples = (
            f"{x.labelled_examples:,} labelled examples, at least the {x.examples_needed:,} needed"
        )
    else:
        examples = (
            f"{x.labelled_examples:,} of the {x.examples_needed:,} labelled examples needed "
            f"({enough:.0%})"
        )
    return {
        "rag": (
            q(hit, PROMPTED_BEHAVIOUR),
            f"limited by retrieval: the top {x.top_k} chunks hold the answer for {hit:.0%} of "
            f"questions (retrieval hit rate), and the {spec}-specialisation reasoning or format "
            "is left to prompting",
        ),
        "fine-tuning": (
            q(coverage, tuned),
            f"limited by training data: {examples}, and its {x.training_tokens:,.0f} training "
            f"tokens cover {coverage:.0%} of the {x.knowledge_base_tokens:,.0f}-token knowledge "
            "base",
        ),
        "hybrid": (
            q(hit + (1 - hit) * coverage, tuned),
            f"retrieval supplies the knowledge ({hit:.0%} hit rate) and a fine-tune trained on "
            f"{enough:.0%} of the labelled examples needed the {spec}-specialisation reasoning "
            "or format",
        ),
    }


def _needs(x: Inputs) -> tuple[float, str, float, str]:
    """(knowledge need, what drove it, behaviour need, what drove it), needs in 0..1.

    Knowledge need is the strongest of: change 1 - 1/(1 + U) (half at one update a month),
    size (0 at 100k tokens, 1 at 10M, log scale) and citations (1 when required).
    """
    u = x.knowledge_updates_per_month
    kb = x.knowledge_base_tokens
    change = 1.0 - 1.0 / (1.0 + u)
    size = 0.0
    if kb > LARGE_KB_FROM_TOKENS:
        size = _clip01(
            math.log10(kb / LARGE_KB_FROM_TOKENS)
            / math.log10(LARGE_KB_FULL_TOKENS / LARGE_KB_FROM_TOKENS)
        )
    cite = 1.0 if x.citations_required else 0.0
    candidates = [
        (cite, "answers must cite sources"),
        (change, f"knowledge changes {u:g} times a month"),
        (size, f"the knowledge base holds {kb:,.0f} tokens"),
    ]
    need, why = max(candidates, key=lambda c: c[0])
    if need <= 0:
        why = "the knowledge is stable, small and needs no citations"
    behaviour = SPECIALISATION_NEED[x.specialisation]
    return need, why, behaviour, f"{x.specialisation} specialisation of reasoning or format"


def _score_fit(x: Inputs) -> Scored:
    """The matrix's "best for": with knowledge need k and behaviour need b (0..1),
    RAG 10 (k + 1 - b) / 2, fine-tuning 10 (1 - k + b) / 2, hybrid 10 min(k, b)."""
    k, k_why, b, b_why = _needs(x)
    needs = f"here knowledge need {k:.0%} ({k_why}) and behaviour need {b:.0%} ({b_why})"
    return {
        "rag": (
            10.0 * (k + 1.0 - b) / 2.0,
            f"best for changing, large or cited knowledge and general reasoning; {needs}",
        ),
        "fine-tuning": (
            10.0 * ((1.0 - k) + b) / 2.0,
            f"best for a stable domain and specialised reasoning; {needs}",
        ),
        "hybrid": (
            10.0 * min(k, b),
            f"best when both are needed, so the weaker need sets it; {needs}",
        ),
    }


def _disagreement(
    x: Inputs,
    recommendation: Option,
    cheapest: Option,
    totals: dict[Option, float],
    monthly: dict[Option, float],
    crossover: float | None,
) -> str | None:
    if recommendation == cheapest:
        return None
    rec, cheap = OPTION_NAMES[recommendation], OPTION_NAMES[cheapest]
    note = (
        f"The dimensions and the economics disagree: the weighted dimensions favour {rec} "
        f"({totals[recommendation]:.2f} against {totals[cheapest]:.2f} for {cheap}), but at "
        f"{x.requests_per_month:,.0f} requests a month {cheap} is cheaper "
        f"({money(monthly[cheapest])} against {money(monthly[recommendation])} a month)"
    )
    if recommendation == "fine-tuning" and cheapest == "rag" and crossover is not None:
        note += f"; fine-tuning becomes the cheaper above {crossover:,.0f} requests a month"
    return note + ". Raise the cost weight if cost should decide."


def _rationale(
    x: Inputs,
    options: list[OptionSummary],
    dims: list[DimensionScore],
    recommendation: Option,
    cheapest: Option,
    crossover: float | None,
    cheaper_below: float | None,
    disagreement: str | None,
) -> list[str]:
    by = {o.option: o for o in options}
    rec = by[recommendation]
    others = sorted(
        (o for o in options if o.option != recommendation), key=lambda o: -o.total_score
    )
    out = [
        f"{rec.label} scores {rec.total_score:.2f} of 10 on the six weighted dimensions, "
        f"against {OPTION_NAMES[others[0].option]} {others[0].total_score:.2f} and "
        f"{OPTION_NAMES[others[1].option]} {others[1].total_score:.2f}."
    ]
    for d in dims:
        s = d.score_of(recommendation)
        out.append(
            f"{d.label} ({d.weight:.0%} of the weight), {rec.label} {s.score:.1f}: {s.reason}."
        )
    v = x.requests_per_month
    costs = ", ".join(f"{OPTION_NAMES[o.option]} {money(o.monthly_cost)}" for o in options)
    out.append(
        f"At {v:,.0f} requests a month the monthly costs are {costs} (one-off costs spread over "
        f"{x.amortisation_months:g} months); the cheapest is {OPTION_NAMES[cheapest]}."
    )
    rag, ft = by["rag"], by["fine-tuning"]
    per = (
        f"{money(ft.token_cost_per_request)} a request against {money(rag.token_cost_per_request)} "
        f"for RAG with its {rag.context_tokens_per_request:,.0f} tokens of retrieved context"
    )
    fixed = f"{money(ft.fixed_cost_per_month)} against {money(rag.fixed_cost_per_month)}"
    same_requests = _same_per_request(rag.token_cost_per_request, ft.token_cost_per_request)
    if crossover is not None and crossover > 0:
        out.append(
            f"Fine-tuning's cheaper requests ({per}) pay back its training and retraining above "
            f"{count(crossover)} requests a month."
        )
    elif crossover is not None and same_requests:
        out.append(
            f"Fine-tuning's requests cost what RAG's do ({per}) and its fixed costs a month are "
            f"lower ({fixed}), so it is the cheaper of the two at any volume."
        )
    elif crossover is not None:
        out.append(
            f"Fine-tuning is the cheaper of the two at any volume: {per}, and no higher fixed "
            "costs a month."
        )
    elif cheaper_below is not None:
        out.append(
            f"Fine-tuning never pays back its training and retraining through cheaper requests "
            f"({per}); it is cheaper only below {count(cheaper_below)} requests a month, where "
            "RAG's higher fixed costs weigh more."
        )
    elif same_requests and ft.fixed_cost_per_month == rag.fixed_cost_per_month:
        out.append(
            f"Fine-tuning and RAG cost the same at any volume: {per}, and the same fixed costs "
            f"a month ({money(ft.fixed_cost_per_month)})."
        )
    elif same_requests:
        out.append(
            f"RAG is the cheaper of the two at any volume: the requests cost the same ({per}) "
            f"and fine-tuning's fixed costs a month are higher ({fixed})."
        )
    else:
        out.append(
            f"Fine-tuning never pays back its training and retraining through cheaper requests: "
            f"{per}."
        )
    if disagreement:
        out.append(disagreement)
    return out


def _figures(
    options: list[OptionSummary], crossover: float | None, retrieval_ms: float
) -> list[Figure]:
    figures = [
        Figure(
            key=f"{_key(o.option)}_score",
            label=f"{o.label} score (of 10)",
            value=o.total_score,
            unit="ratio",
        )
        for o in options
    ]
    figures += [
        Figure(
            key=f"{_key(o.option)}_monthly_cost",
            label=f"{o.label} cost a month",
            value=o.monthly_cost,
            unit="usd",
        )
        for o in options
    ]
    figures += [
        Figure(
            key=f"{_key(o.option)}_cost_per_request",
            label=f"{o.label} token cost a request",
            value=o.token_cost_per_request,
            unit="usd",
        )
        for o in options
    ]
    figures += [
        Figure(
            key="fine_tuning_one_off_cost",
            label="Fine-tuning one-off cost",
            value=options[1].one_off_cost,
            unit="usd",
        ),
        Figure(
            key="crossover_requests_per_month",
            label="Fine-tuning cheaper than RAG above (requests a month)",
            value=crossover,
            unit="count",
            none_text="never",
        ),
        Figure(
            key="retrieval_latency_ms",
            label="Latency added by retrieval",
            value=retrieval_ms,
            unit="ms",
        ),
    ]
    return figures


def _key(option: str) -> str:
    return option.replace("-", "_")


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the options, the scores and the assumptions."""
    x, r = inputs, result
    context = r.option("rag").context_tokens_per_request
    lines = [
        "### Considered options",
        "",
        "| Option | Weighted score | Token cost a request | All-in a request | Cost a month | "
        "One-off | Recurring a month | Added latency |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in r.options:
        lines.append(
            f"| {o.label} | {o.total_score:.2f} | {money(o.token_cost_per_request)} | "
            f"{format_value(o.cost_per_request, 'usd', 'n/a (no requests)')} | "
            f"{money(o.monthly_cost)} | {money(o.one_off_cost)} | "
            f"{money(o.recurring_cost_per_month)} | {duration(o.added_latency_ms)} |"
        )
    above, below = r.crossover_requests_per_month, r.finetune_cheaper_below_requests_per_month
    if above == 0:
        crossover = "at **any volume**"
    elif above is not None:
        crossover = f"above **{format_value(above, 'count')}** requests a month"
    elif below is not None:
        crossover = f"only below **{format_value(below, 'count')}** requests a month"
    else:
        crossover = "at **no volume**"
    lines += [
        "",
        f"Recommended on the weighted dimensions: **{OPTION_LABELS[r.recommendation]}**. "
        f"Cheapest at {r.requests_per_month:,.0f} requests a month: "
        f"**{OPTION_LABELS[r.economics_choice]}**. Fine-tuning is cheaper than RAG "
        f"{crossover}.",
    ]
    if r.disagreement:
        lines += ["", f"**Note:** {r.disagreement}"]
    lines += [
        "",
        "### Dimension scores (0-10)",
        "",
        "| Dimension | Weight | RAG | Fine-tuning | Hybrid |",
        "|---|---|---|---|---|",
    ]
    for d in r.dimensions:
        cells = " | ".join(f"{d.score_of(o).score:.1f}" for o in OPTIONS)
        lines.append(f"| {d.label} | {d.weight:.0%} | {cells} |")
    lines += ["", "Why each score:", ""]
    for d in r.dimensions:
        reasons = " ".join(f"{OPTION_LABELS[s.option]}: {s.reason}." for s in d.scores)
        lines.append(f"- **{d.label}.** {reasons}")
    lines += [
        "",
        "### Assumptions",
        "",
        "- Cost a request = (input tokens + retrieved context) x input price + output tokens x "
        f"output price; RAG adds top-k x chunk size = {context:,.0f} tokens of context, "
        "fine-tuning none, the hybrid both the context and the fine-tuned model's prices.",
        f"- One-off costs (RAG setup; data preparation and the first training run) are spread "
        f"over {r.amortisation_months:g} months in the monthly cost; every retrain repeats the "
        f"training run ({x.training_tokens:,.0f} tokens x {x.epochs} epochs), every "
        f"{x.retrain_every_months:g} months.",
        "- Retrieval adds its latency to every request (the source's +500 ms); fine-tuning adds "
        "none. The time to read the extra context is not modelled separately. Model latency "
        f"used: {duration(r.model_latency_ms)}.",
        "- Weeks to production: RAG its build time; fine-tuning its build time x the ML "
        "experience factor (none 1.5, some 1, strong 0.75) plus the weeks to label the missing "
        f"examples; the hybrid the longer of the two plus {HYBRID_INTEGRATION_WEEKS:g} weeks.",
        "- Scores: deadlines (weeks, latency headroom) score 10 x (1 - needed / 2 x available); "
        "cost 10 x cheapest / this; fine-tuning's currency 10 / (1 + updates a month x months "
        "between retrains); quality mixes knowledge (retrieval hit rate, training coverage of the "
        "knowledge base) and behaviour (0.5 prompted, up to 1 with enough labelled examples) by "
        "how specialised the task is; fit follows the matrix's 'best for' row.",
        "- The default prices are examples (a gpt-4o-mini-like base model and its fine-tune); "
        + (
            f"base prices from the catalog model {r.base_prices_from}"
            if r.base_prices_from
            else "base prices as entered"
        )
        + "; "
        + (
            f"fine-tuned prices from the catalog model {r.finetuned_prices_from}."
            if r.finetuned_prices_from
            else "fine-tuned prices as entered."
        ),
    ]
    return "\n".join(lines)
