"""Evaluation runs: plan one (items, prices, template check, estimate), then start or resume it.

The window and the command line both plan before they ask the user, and execute after: the
rules (which items a resume skips, when catalog prices apply, a template that cannot be
filled refuses the run) are written here once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from core.catalog import Catalog
from core.evaluation import DatasetItem, RunProgress, RunSettings, Variant
from core.llm import LlmClient, missing_api_keys
from core.runner import CostEstimate, EvalRunner, RunOutcome, estimate_cost, prompt_problem
from storage.experiments import ExperimentStore

Prices = tuple[float, float]
CatalogLoader = Callable[[], Catalog | None]


def catalog_prices(variant: Variant, catalog: CatalogLoader) -> Prices | None:
    """Catalog prices per token (USD) for the variant's model; None for a local server (a base
    URL: its calls cost nothing we know) or a model the catalog lacks. The catalog is loaded
    only when a price is wanted."""
    if variant.api_base:
        return None
    loaded = catalog()
    if loaded is None or variant.model not in loaded:
        return None
    return loaded.get(variant.model).usable_prices


def client_for(
    variant: Variant, settings: RunSettings, prices: Prices | None, api_key: str | None = None
) -> LlmClient:
    """The client a run (or a judge) calls through, with the settings' timeout and retries."""
    return LlmClient(
        api_base=variant.api_base,
        api_key=api_key,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        retry_backoff_s=settings.retry_backoff_s,
        max_retry_wait_s=settings.max_retry_wait_s,
        prices=prices,
        transport=settings.transport,
    )


@dataclass(frozen=True)
class RunPlan:
    """A run checked and priced before it starts.

    `items` are the dataset's, in order; `skip` the ids a resume already has answers for;
    `run_id` None means executing creates the run. `problem` says why the prompt template
    cannot be filled; `missing_keys` the environment variables one of which must hold the
    provider's API key when no key was given (either refuses the run: see `refusal`).
    `estimate` is for the items still to do.
    """

    dataset_id: int
    variant: Variant
    settings: RunSettings
    items: list[DatasetItem]
    prices: Prices | None
    estimate: CostEstimate
    problem: str | None
    run_id: int | None = None
    skip: frozenset[str] = field(default_factory=frozenset)
    missing_keys: tuple[str, ...] = ()

    @property
    def todo(self) -> list[DatasetItem]:
        return [i for i in self.items if i.id not in self.skip]

    @property
    def refusal(self) -> str | None:
        """Why the run must not start (None: it may). Without a key every request would
        fail after its retries, each reported as the provider's failure."""
        if self.problem:
            return self.problem
        if self.missing_keys:
            names = " or ".join(self.missing_keys)
            return f"no API key for {self.variant.model}: {names} is not set"
        return None


def plan_run(
    store: ExperimentStore,
    dataset_id: int,
    variant: Variant,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    api_key: str | None = None,
) -> RunPlan:
    """A new run of `variant` over every item of the dataset; `api_key` is a key given for
    this session (None: the provider's environment variable must hold one)."""
    return _plan(store.items(dataset_id), dataset_id, variant, settings, catalog, api_key=api_key)


def plan_resume(
    store: ExperimentStore,
    run_id: int,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    api_key: str | None = None,
) -> RunPlan:
    """The rest of a stored run: its items with no successful sample yet (missing or errored),
    with the variant it was started with. Refused (`problem`) while a batch of the run is out."""
    run = store.run(run_id)
    items = store.items(run.dataset_id)
    pending = set(store.pending_item_ids(run.id))
    skip = frozenset(i.id for i in items if i.id not in pending)
    plan = _plan(
        items,
        run.dataset_id,
        run.variant,
        settings,
        catalog,
        run_id=run.id,
        skip=skip,
        api_key=api_key,
    )
    if (out := store.batch_out(run.id)) is not None:
        problem = (
            f"run {run.id}'s batch {out[0]} is still {out[1]}: its results are stored when it "
            "ends (resume the batch, or cancel it to run the items again)"
        )
        plan = dataclasses.replace(plan, problem=problem)
    return plan


def _plan(
    items: list[DatasetItem],
    dataset_id: int,
    variant: Variant,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    run_id: int | None = None,
    skip: frozenset[str] = frozenset(),
    api_key: str | None = None,
) -> RunPlan:
    prices = catalog_prices(variant, catalog)
    todo = [i for i in items if i.id not in skip]
    # A base URL is a server of the user's own: it may need no key, and litellm cannot tell.
    needs_key = bool(todo) and not variant.api_base and not api_key
    missing = tuple(missing_api_keys(variant.model)) if needs_key else ()
    return RunPlan(
        dataset_id=dataset_id,
        variant=variant,
        settings=settings,
        items=items,
        prices=prices,
        estimate=estimate_cost(variant, todo, prices),
        problem=prompt_problem(variant, todo),
        run_id=run_id,
        skip=skip,
        missing_keys=missing,
    )


def execute_run(
    store: ExperimentStore,
    plan: RunPlan,
    *,
    api_key: str | None = None,
    progress: Callable[[RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_created: Callable[[int], None] | None = None,
) -> tuple[int, RunOutcome]:
    """Create the run (unless the plan resumes one), tell `on_created` its id, and run it to
    the end into the store. Blocks: call it off the GUI thread. Returns the run id and how
    it ended."""
    if plan.refusal:
        raise ValueError(f"not started: {plan.refusal}")
    variant, settings = plan.variant, plan.settings
    run_id = plan.run_id
    if run_id is None:
        run_id = store.create_run(plan.dataset_id, variant, settings, name=variant.name)
    if on_created is not None:
        on_created(run_id)
    outcome = run_into(
        store,
        run_id,
        EvalRunner(client_for(variant, settings, plan.prices, api_key), settings),
        variant,
        plan.items,
        skip_ids=plan.skip,
        progress=progress,
        cancelled=cancelled,
        prices=plan.prices,
        use_cache=settings.use_cache,
    )
    return run_id, outcome


def run_into(
    store: ExperimentStore,
    run_id: int,
    runner: EvalRunner,
    variant: Variant,
    items: Sequence[DatasetItem],
    *,
    skip_ids: Collection[str] = (),
    progress: Callable[[RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    prices: Prices | None = None,
    use_cache: bool = True,
) -> RunOutcome:
    """Run `variant` over `items` into the stored run `run_id`: the samples are stored in
    batches as they land, each within 0.1 s of landing (one transaction a batch, not one a
    sample), the response cache is this store's (when `use_cache`), and the run's final status
    and stop reason are recorded, so a crash loses at most the requests in flight and the
    samples of its last 0.1 s. An interrupt (Ctrl-C) stores what landed, records the run as
    cancelled, resumable, and is raised again."""
    writer = store.sample_writer(run_id)
    try:
        outcome = runner.run(
            variant,
            items,
            on_samples=writer.write,
            cache=writer if use_cache else None,
            skip_ids=skip_ids,
            progress=progress,
            cancelled=cancelled,
            prices=prices,
        )
    except KeyboardInterrupt:
        store.finish_run(
            run_id, "cancelled", "Interrupted before the end; resume the run to finish it."
        )
        raise
    store.finish_run(run_id, outcome.status, outcome.stop_reason)
    return outcome
