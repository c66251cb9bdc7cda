"""Latency probes: plan one (the model, what it will cost, whether a key is there), run it, and
store what it measured as the model's latency profile.

The Models tab's "Measure latency…" and `catalog probe` both plan first, show the estimate and
ask, then run off the GUI thread (or in the terminal) and save.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from core.catalog import Catalog, LatencyProfile, ModelInfo
from core.llm import LlmClient, missing_api_keys, redact_url
from core.probe import ProbeProgress, ProbeResult, ProbeSettings, estimate_cost, run_probe
from storage import CatalogStore


class ProbeError(ValueError):
    """The probe cannot start (a model the catalog lacks, no API key); str() says why."""


@dataclass(frozen=True)
class ProbePlan:
    """A probe checked and priced before it starts. `estimate_usd` is at the catalog's prices
    (None: the catalog has none for the model); `missing_keys` the environment variables one
    of which must hold the provider's key when no key and no base URL were given."""

    model: ModelInfo
    settings: ProbeSettings
    api_base: str | None
    estimate_usd: float | None
    missing_keys: tuple[str, ...] = ()

    @property
    def refusal(self) -> str | None:
        """Why the probe must not start (None: it may)."""
        if self.missing_keys:
            names = " or ".join(self.missing_keys)
            return f"no API key for {self.model.id}: {names} is not set"
        return None

    def describe(self) -> str:
        """The probe and its cost in one sentence, units stated, for the question asked."""
        s = self.settings
        # A gateway's key may be written into its URL: never printed.
        where = f" at {redact_url(self.api_base)}" if self.api_base else ""
        if self.estimate_usd is None:
            cost = "cost unknown: the catalog has no price for this model"
        else:
            cost = f"estimated cost ${self.estimate_usd:,.4f} at the catalog's prices"
        return (
            f"Measuring {self.model.id}{where} sends {s.requests} streamed request"
            f"{'s' if s.requests != 1 else ''} of about {s.input_tokens:,} input and "
            f"{s.output_tokens:,} output tokens each, plus a one-token warm-up ({cost})."
        )


def plan_probe(
    catalog: Catalog,
    model_id: str,
    settings: ProbeSettings,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
) -> ProbePlan:
    """The plan for measuring `model_id`, which must be in the catalog (its profile is stored
    there); ProbeError names close ids otherwise."""
    model_id = model_id.strip()
    if model_id not in catalog:
        close = difflib.get_close_matches(model_id, [m.id for m in catalog], n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ProbeError(
            f"no model '{model_id}' in the catalog{hint} (add a self-hosted model as a custom "
            "model first)"
        )
    model = catalog.get(model_id)
    api_base = (api_base or "").strip() or None
    # A base URL is a server of the user's own: it may need no key, and litellm cannot tell.
    missing = () if api_base or api_key else tuple(missing_api_keys(model_id))
    return ProbePlan(model, settings, api_base, estimate_cost(model, settings), missing)


def run(
    plan: ProbePlan,
    *,
    api_key: str | None = None,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[ProbeProgress], None] | None = None,
) -> ProbeResult:
    """Make the probe's requests (blocks: call it off the GUI thread)."""
    if plan.refusal:
        raise ProbeError(f"not started: {plan.refusal}")
    client = LlmClient(
        api_base=plan.api_base,
        api_key=api_key,
        timeout_s=plan.settings.deadline_s,
        max_retries=0,
    )
    return run_probe(client, plan.model.id, plan.settings, cancelled=cancelled, progress=progress)


def save(store: CatalogStore, result: ProbeResult) -> LatencyProfile | None:
    """Store what the probe measured as the model's latency profile (source "measured");
    None, and nothing written, when it was cancelled (the user chose not to have it) or no
    request measured both a first token and a speed."""
    profile = None if result.cancelled else result.profile()
    if profile is not None:
        store.set_latency(result.model_id, profile)
    return profile
