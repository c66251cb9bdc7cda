"""The model catalog: prices, limits and capabilities per model, with the user's measurements.

This module holds the data model every framework reads (`ModelInfo`, `Catalog`). Loading the
public price map and merging the user's own data (custom models, price overrides, quality
scores, latency profiles) produce a `Catalog`; frameworks receive it as a parameter.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import logging
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.files import csv_delimiter, read_bytes, write_atomic
from core.text import code_point, hidden_characters

log = logging.getLogger(__name__)

Source = Literal["entered", "imported", "measured", "example"]


class QualityScore(BaseModel):
    """How good a model is at the user's task, 0..1, and where that number came from."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    score: float = Field(ge=0, le=1)
    benchmark: str = ""
    source: Source = "entered"
    date: dt.date = Field(default_factory=dt.date.today)


class LatencyProfile(BaseModel):
    """Time to first token and output speed: latency = ttft + output tokens / speed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    ttft_ms: float = Field(ge=0, le=600_000)
    output_tokens_per_second: float = Field(gt=0, le=1_000_000)
    source: Source = "entered"
    date: dt.date = Field(default_factory=dt.date.today)
    # What a latency probe (core/probe.py) adds: the slow tail (the p95 of TTFT, and the
    # speed 95% of its requests reached) and what it measured with. None for entered figures.
    ttft_p95_ms: float | None = Field(default=None, ge=0, le=600_000)
    output_tokens_per_second_p95: float | None = Field(default=None, gt=0, le=1_000_000)
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    requests: int | None = Field(default=None, ge=1)

    def latency_ms(self, output_tokens: float) -> float:
        return self.ttft_ms + output_tokens / self.output_tokens_per_second * 1000


class PriceTier(BaseModel):
    """The prices of a request whose input exceeds `above_tokens` (litellm's
    `*_above_200k_tokens` keys): the whole request is billed at them, as litellm's cost
    calculator and Google's and Anthropic's price pages do.

    Every price is resolved when the map is parsed: one the map does not give for this tier
    is the next lower tier's (the model's base price below the first tier), the fallback
    litellm applies. None: no such price at any size (no cached or no batch price).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    above_tokens: int = Field(gt=0)
    #: The tier applies from `above_tokens` on, not above it: xAI bills the higher price once
    #: the prompt reaches the threshold (litellm's `_INCLUSIVE_THRESHOLD_PROVIDERS`).
    inclusive: bool = False
    input_cost_per_token: float = Field(ge=0)
    output_cost_per_token: float = Field(ge=0)
    cache_read_input_token_cost: float | None = Field(default=None, ge=0)
    input_cost_per_token_batch: float | None = Field(default=None, ge=0)
    output_cost_per_token_batch: float | None = Field(default=None, ge=0)
    cache_read_input_token_cost_batch: float | None = Field(default=None, ge=0)


class ModelInfo(BaseModel):
    """One chat model. Prices are dollars per token; None means the price map has none.

    `price_tiers` (ascending `above_tokens`) replace every price of a request whose input
    tokens exceed a tier's threshold; `tier_at` picks the one that applies.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    provider: str
    input_cost_per_token: float = Field(ge=0)
    output_cost_per_token: float = Field(ge=0)
    input_cost_per_token_batch: float | None = Field(default=None, ge=0)
    output_cost_per_token_batch: float | None = Field(default=None, ge=0)
    cache_read_input_token_cost: float | None = Field(default=None, ge=0)
    cache_read_input_token_cost_batch: float | None = Field(default=None, ge=0)
    price_tiers: tuple[PriceTier, ...] = ()
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    supports_function_calling: bool = False
    supports_vision: bool = False
    deprecation_date: dt.date | None = None
    custom: bool = False
    price_overridden: bool = False
    quality: QualityScore | None = None
    latency: LatencyProfile | None = None

    @property
    def usable_prices(self) -> tuple[float, float] | None:
        """(input, output) $/token, or None when the entry is a data error: frameworks bound
        entered prices to $1 a token, and an infinite or larger price would swamp every figure.
        """
        prices = (self.input_cost_per_token, self.output_cost_per_token)
        return prices if all(math.isfinite(p) and p <= 1 for p in prices) else None

    @property
    def has_batch(self) -> bool:
        return self.input_cost_per_token_batch is not None

    def tier_at(self, input_tokens: float) -> PriceTier | None:
        """The tier billing a request of this many input tokens (None: the base prices).

        A tier applies above its threshold, not at it (litellm: prompt tokens > threshold),
        unless it is `inclusive`.
        """
        applies = [
            t
            for t in self.price_tiers
            if input_tokens > t.above_tokens or (t.inclusive and input_tokens == t.above_tokens)
        ]
        return applies[-1] if applies else None

    def cost_per_request(self, input_tokens: float, output_tokens: float) -> float:
        """Real-time dollars for one request, at the tier its input size falls in."""
        prices = self.tier_at(input_tokens) or self
        return (
            input_tokens * prices.input_cost_per_token
            + output_tokens * prices.output_cost_per_token
        )


class Catalog:
    """An immutable set of models, looked up by id; `price_date` says which price map."""

    def __init__(
        self,
        models: Iterable[ModelInfo] = (),
        *,
        source: str = "entered",
        price_date: dt.date | None = None,
        base: Catalog | None = None,
    ) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}
        self.source = source
        self.price_date = price_date
        # The public price map this catalog was merged from (None: it is one). Merging the
        # user's data starts from here, so applying it twice, or after an override was
        # cleared, never stacks or keeps stale values.
        self.base = base

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self._models.values())

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    @property
    def models(self) -> list[ModelInfo]:
        return list(self._models.values())

    def get(self, model_id: str) -> ModelInfo:
        try:
            return self._models[model_id]
        except KeyError:
            raise KeyError(f"unknown model '{model_id}'") from None

    def with_quality(self) -> list[ModelInfo]:
        """Models the user has scored: the default candidates of the frameworks."""
        return [m for m in self._models.values() if m.quality is not None]

    def replace(self, models: Iterable[ModelInfo]) -> Catalog:
        """A new catalog with these models added or replaced (same source and price date)."""
        merged = dict(self._models)
        merged.update({m.id: m for m in models})
        return Catalog(merged.values(), source=self.source, price_date=self.price_date)


# Searching and showing: the Models tab and the `catalog` command agree.

PER_MILLION = 1_000_000


def format_per_million(cost_per_token: float | None) -> str:
    """Dollars per token shown as dollars per million tokens: 1.5e-07 -> '0.15'."""
    if cost_per_token is None:
        return ""
    x = cost_per_token * PER_MILLION
    if x == 0:
        return "0"
    # Cents when the price is whole cents (0.60, 2.50); small prices keep their digits (0.075).
    if x >= 1 or abs(x - round(x, 2)) < 1e-9:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def search_key(model: ModelInfo) -> str:
    """The text a search runs over: id and provider, case-folded."""
    return f"{model.id}\n{model.provider}".casefold()


def search_words(text: str) -> list[str]:
    """A search as case-folded words; a model matches when its key contains every one."""
    return text.casefold().split()


def matches(words: list[str], key: str) -> bool:
    return all(word in key for word in words)


# The public price map: litellm's bundled JSON, read without importing litellm.

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
CACHE_APP_DIR = "ai-decision-frameworks"
# litellm's price map is 3.5 MB and its snapshot under 1 MB; a file far beyond is not one.
MAX_CATALOG_FILE_BYTES = 100_000_000
# Bump when the parsing rules or the snapshot layout change: older snapshots are then rebuilt.
# 2: batch cached prices and price tiers; 3: xAI's tiers apply from their threshold on.
SNAPSHOT_FORMAT = 3
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CatalogError(Exception):
    """The public price map could not be loaded; str() is a message for the user."""


def litellm_price_map() -> tuple[Path, str]:
    """Path of litellm's bundled price map and litellm's version, without importing litellm.

    `import litellm` costs seconds; finding its folder and reading its version costs nothing.
    """
    try:
        spec = importlib.util.find_spec("litellm")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise CatalogError(
            "litellm is not installed, so the public price map is missing. Install the app's "
            "dependencies again (pip install litellm); custom models still work."
        )
    from importlib import metadata  # email and zipfile come with it: not before the paint

    try:
        version = metadata.version("litellm")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Path(locations[0]) / PRICE_MAP_FILE, version


def parse_price_map(data: Mapping[str, Any]) -> list[ModelInfo]:
    """The chat models of a litellm price map, each validated; malformed entries are skipped.

    Kept: `mode == "chat"` with numeric, finite, non-negative input and output prices per token.
    An optional field with a wrong type (a price that is text, a date that is not ISO) is left
    empty rather than losing the model.
    """
    models: list[ModelInfo] = []
    for model_id, entry in data.items():
        model = _chat_model(model_id, entry)
        if model is not None:
            models.append(model)
    return models


def _chat_model(model_id: object, entry: object) -> ModelInfo | None:
    if not isinstance(model_id, str) or not model_id.strip() or model_id == "sample_spec":
        return None
    if not isinstance(entry, dict) or entry.get("mode") != "chat":
        return None
    input_price = _price(entry.get("input_cost_per_token"))
    output_price = _price(entry.get("output_cost_per_token"))
    if input_price is None or output_price is None:
        return None
    provider = entry.get("litellm_provider")
    try:
        return ModelInfo(
            id=model_id,
            provider=provider if isinstance(provider, str) and provider else "unknown",
            input_cost_per_token=input_price,
            output_cost_per_token=output_price,
            input_cost_per_token_batch=_price(entry.get("input_cost_per_token_batches")),
            output_cost_per_token_batch=_price(entry.get("output_cost_per_token_batches")),
            cache_read_input_token_cost=_price(entry.get("cache_read_input_token_cost")),
            cache_read_input_token_cost_batch=_price(
                entry.get("cache_read_input_token_cost_batches")
            ),
            price_tiers=_price_tiers(entry, input_price, output_price, provider == "xai"),
            max_input_tokens=_token_count(entry.get("max_input_tokens")),
            max_output_tokens=_token_count(entry.get("max_output_tokens")),
            supports_function_calling=entry.get("supports_function_calling") is True,
            supports_vision=entry.get("supports_vision") is True,
            deprecation_date=_iso_date(entry.get("deprecation_date")),
        )
    except ValidationError:
        return None


#: A tiered price key: `input_cost_per_token_above_200k_tokens`, `..._above_128000_tokens`,
#: `..._above_200k_tokens_batches`. Service-tier variants (`_priority`, `_flex`) do not match:
#: the catalog prices the standard tier, as litellm does when no service tier is asked for.
_TIER_KEY = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)"
    r"_above_(\d+)(k?)_tokens(_batches)?"
)
#: PriceTier field for each (key prefix, batch?) of a tiered key.
_TIER_FIELDS = {
    ("input_cost_per_token", False): "input_cost_per_token",
    ("output_cost_per_token", False): "output_cost_per_token",
    ("cache_read_input_token_cost", False): "cache_read_input_token_cost",
    ("input_cost_per_token", True): "input_cost_per_token_batch",
    ("output_cost_per_token", True): "output_cost_per_token_batch",
    ("cache_read_input_token_cost", True): "cache_read_input_token_cost_batch",
}


def _price_tiers(
    entry: Mapping[str, Any], input_price: float, output_price: float, inclusive: bool
) -> tuple[PriceTier, ...]:
    """The entry's size tiers, ascending, each price resolved as litellm resolves it.

    The threshold is read from the key (`128k` = 128,000 tokens, as litellm reads it). Walking
    the thresholds upwards, a price the map gives at a threshold replaces the one below it;
    one it does not give carries over, so a request is billed at its highest crossed tier's
    price for each kind, and at the base price for kinds no crossed tier names (litellm's
    `_get_token_base_cost` and `get_batch_cost_rates`).
    """
    found: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        match = _TIER_KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None:
            continue
        price = _price(value)
        above = int(match[2]) * (1000 if match[3] else 1)
        if price is None or above <= 0:
            continue
        found.setdefault(above, {})[_TIER_FIELDS[(match[1], bool(match[4]))]] = price
    if not found:
        return ()
    current: dict[str, float | None] = {
        "input_cost_per_token": input_price,
        "output_cost_per_token": output_price,
        "cache_read_input_token_cost": _price(entry.get("cache_read_input_token_cost")),
        "input_cost_per_token_batch": _price(entry.get("input_cost_per_token_batches")),
        "output_cost_per_token_batch": _price(entry.get("output_cost_per_token_batches")),
        "cache_read_input_token_cost_batch": _price(
            entry.get("cache_read_input_token_cost_batches")
        ),
    }
    tiers = []
    for above in sorted(found):
        current.update(found[above])
        tiers.append(
            PriceTier.model_validate({"above_tokens": above, "inclusive": inclusive, **current})
        )
    return tuple(tiers)


def _price(value: object) -> float | None:
    # bool is an int subclass, and pydantic would happily read "1e-6" as a float: both refused.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def _token_count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value <= 0 or value != int(value):
        return None
    return int(value)


def _iso_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class _Snapshot(BaseModel):
    """The parsed chat models as we cached them; `source` identifies the price-map file."""

    model_config = ConfigDict(defer_build=True)

    format: int
    litellm_version: str
    source: str
    models: list[ModelInfo]


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(CACHE_APP_DIR, appauthor=False))


def snapshot_path(cache_dir: Path, litellm_version: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._+-]", "_", litellm_version)
    return Path(cache_dir) / f"catalog-{safe}.json"


def load_catalog(
    cache_dir: Path | None = None,
    *,
    price_map: Path | None = None,
    litellm_version: str | None = None,
) -> Catalog:
    """The public catalog: litellm's chat models, from our snapshot when it is current.

    The first call for a litellm version parses litellm's JSON (tens of milliseconds) and
    writes a compact snapshot to `cache_dir`; later calls read the snapshot. A snapshot that
    is missing, unreadable, corrupt, from another litellm version or another file is rebuilt.
    `price_map` and `litellm_version` default to the installed litellm's (tests pass their
    own). Raises CatalogError when the price map itself cannot be read. Never imports litellm.
    """
    if price_map is None or litellm_version is None:
        found_map, found_version = litellm_price_map()
        price_map = price_map or found_map
        litellm_version = litellm_version or found_version
    price_map = Path(price_map)
    try:
        stat = price_map.stat()
    except OSError as exc:
        raise CatalogError(
            f"litellm's price map {price_map} cannot be read ({exc.strerror or exc}). "
            "Reinstall litellm; custom models still work."
        ) from exc
    # Size and modification time: a reinstalled or hand-edited price map is parsed again even
    # when the version number did not change.
    source = f"{price_map}:{stat.st_size}:{stat.st_mtime_ns}"
    price_date = dt.date.fromtimestamp(stat.st_mtime)
    snapshot = snapshot_path(
        default_cache_dir() if cache_dir is None else cache_dir, litellm_version
    )
    models = _read_snapshot(snapshot, litellm_version, source)
    if models is None:
        models = parse_price_map(_read_price_map(price_map))
        _write_snapshot(
            snapshot,
            _Snapshot(
                format=SNAPSHOT_FORMAT,
                litellm_version=litellm_version,
                source=source,
                models=models,
            ),
        )
    return Catalog(models, source=f"litellm {litellm_version}", price_date=price_date)


def _read_price_map(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_bytes(path, MAX_CATALOG_FILE_BYTES))
    except OSError as exc:
        raise CatalogError(
            f"litellm's price map {path} cannot be read ({exc.strerror or exc})."
        ) from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise CatalogError(
            f"litellm's price map {path} is damaged ({exc}). Reinstall litellm."
        ) from exc
    if not isinstance(data, dict):
        raise CatalogError(
            f"litellm's price map {path} is not a JSON object of models. Reinstall litellm."
        )
    return data


def _read_snapshot(path: Path, litellm_version: str, source: str) -> list[ModelInfo] | None:
    """The cached models, or None when the snapshot must be (re)built."""
    try:
        raw = read_bytes(path, MAX_CATALOG_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:  # also a FIFO or device in its place, or a runaway size
        log.warning("catalog snapshot %s unreadable (%s); rebuilding it", path, exc)
        return None
    try:
        # One validator call over the whole list: faster than a model_construct loop (see
        # bench/startup_bench.py), and a damaged or foreign file is caught rather than trusted.
        snap = _Snapshot.model_validate_json(raw)
    except ValidationError as exc:
        log.warning("catalog snapshot %s is damaged (%s); rebuilding it", path, exc.title)
        return None
    if (
        snap.format != SNAPSHOT_FORMAT
        or snap.litellm_version != litellm_version
        or snap.source != source
    ):
        return None
    return snap.models


def _write_snapshot(path: Path, snap: _Snapshot) -> None:
    """Write atomically and drop other versions' snapshots; a failure only costs speed."""
    data = snap.model_dump_json(exclude_defaults=True).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        for stale in path.parent.glob("catalog-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not write the catalog snapshot %s: %s", path, exc)


# The user's own data on top of the public map.


class PriceOverride(BaseModel):
    """The user's prices for a catalog model, dollars per token; None keeps the catalog's."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    input_cost_per_token: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    output_cost_per_token: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    input_cost_per_token_batch: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    output_cost_per_token_batch: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _sets_something(self) -> PriceOverride:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("a price override needs at least one price")
        return self

    def changes(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CatalogUserData(BaseModel):
    """Everything the user added to the public catalog, keyed by model id."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    custom_models: list[ModelInfo] = Field(default_factory=list)
    overrides: dict[str, PriceOverride] = Field(default_factory=dict)
    quality: dict[str, QualityScore] = Field(default_factory=dict)
    latency: dict[str, LatencyProfile] = Field(default_factory=dict)

    def unmatched_ids(self, catalog: Catalog) -> list[str]:
        """Ids with scores, latencies or overrides but no model (e.g. dropped by litellm)."""
        known = set((catalog.base or catalog)._models) | {m.id for m in self.custom_models}
        ids = set(self.overrides) | set(self.quality) | set(self.latency)
        return sorted(ids - known)


def apply_user_data(catalog: Catalog, data: CatalogUserData) -> Catalog:
    """The catalog with the user's data merged: custom models added (custom=True, provider
    "custom"), overrides applied (price_overridden=True), quality and latency attached.

    An overridden price replaces that price in the map's size tiers too: it is what the user
    pays at every size, and a map tier would silently bill large requests at the map's price
    again. Prices the user did not override keep their tiers.

    Always starts from the public map (`catalog.base`), so applying it to an already merged
    catalog gives the same result. Data for ids that are not in the catalog is left out.
    """
    base = catalog.base or catalog
    models = dict(base._models)
    for custom in data.custom_models:
        models[custom.id] = custom.model_copy(
            update={"custom": True, "provider": "custom", "price_overridden": False}
        )
    updates: dict[str, dict[str, Any]] = {}
    for model_id, override in data.overrides.items():
        if model_id in models:
            changes = override.changes()
            tiers = tuple(t.model_copy(update=changes) for t in models[model_id].price_tiers)
            updates.setdefault(model_id, {}).update(
                changes, price_overridden=True, price_tiers=tiers
            )
    for model_id, score in data.quality.items():
        if model_id in models:
            updates.setdefault(model_id, {})["quality"] = score
    for model_id, profile in data.latency.items():
        if model_id in models:
            updates.setdefault(model_id, {})["latency"] = profile
    for model_id, update in updates.items():
        models[model_id] = models[model_id].model_copy(update=update)
    return Catalog(models.values(), source=base.source, price_date=base.price_date, base=base)


# Quality scores from CSV files.

MODEL_COLUMNS = ("model", "model_id")
SCORE_COLUMNS = ("score", "quality")
BENCHMARK_COLUMN = "benchmark"
_MAX_SUGGESTED = 20


class QualityCsvError(ValueError):
    """The whole file is unusable (binary, empty, no header); str() says why, for the user."""


class RowProblem(BaseModel):
    """One skipped row: its row number as a spreadsheet shows it (header = row 1)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    row: int
    model: str = ""
    reason: str


class ImportReport(BaseModel):
    """What an import did: how many scores it saved and every row it skipped, with why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    imported: int = 0
    problems: list[RowProblem] = Field(default_factory=list)
    unknown_ids: list[str] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)

    def summary(self, planned: bool = False) -> str:
        """'Imported 3 quality scores; ...', or before anything is saved (a dry run, a report
        awaiting its yes) `planned`: '3 quality scores to import; ...'."""
        scores = f"{self.imported} quality score{'' if self.imported == 1 else 's'}"
        text = f"{scores} to import" if planned else f"Imported {scores}"
        if self.problems:
            n = len(self.problems)
            text += f"; skipped {n} row{'' if n == 1 else 's'}"
        if self.unknown_ids:
            text += f" ({len(self.unknown_ids)} unknown model id"
            text += "s)" if len(self.unknown_ids) != 1 else ")"
        return text + "."

    def lines(self, planned: bool = False) -> list[str]:
        """The summary, then one line per skipped row and per ignored column."""
        out = [self.summary(planned)]
        out += [
            f"row {p.row}: {p.model + ': ' if p.model else ''}{p.reason}" for p in self.problems
        ]
        if self.ignored_columns:
            out.append(f"ignored columns: {', '.join(self.ignored_columns)}")
        return out


def parse_quality_csv(
    text: str,
    known_ids: Collection[str],
    *,
    source: Source = "imported",
    today: dt.date | None = None,
) -> tuple[dict[str, QualityScore], ImportReport]:
    """Scores from CSV text with a header `model,score[,benchmark]`, and the report.

    Every row is checked and a bad one becomes a RowProblem (missing model, score not a
    number or outside 0..1, unknown model id, repeated model), so one typo never costs the
    rest of the file. A percentage ("85%") counts as 0.85. Raises QualityCsvError when the
    text is binary, empty, not CSV, or lacks the header. `report.imported` counts the scores
    returned; the caller saves them.
    """
    if "\x00" in text:
        raise QualityCsvError("it is a binary file, not CSV text")
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise QualityCsvError("the file is empty")
    import csv  # imported by the imports that read CSV, not on the way to the first window

    delimiter = csv_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header: list[str] | None = None
        body: list[tuple[int, list[str]]] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = record
            else:
                body.append((reader.line_num, record))
    except csv.Error as exc:
        raise QualityCsvError(f"it is not valid CSV (line {reader.line_num}: {exc})") from None
    assert header is not None  # the header line is non-blank
    names = [cell.strip().casefold() for cell in header]
    model_col = _column(names, MODEL_COLUMNS)
    score_col = _column(names, SCORE_COLUMNS)
    if model_col is None or score_col is None:
        shown = delimiter.join(cell.strip() for cell in header)
        if len(shown) > 80:
            shown = shown[:77] + "…"
        raise QualityCsvError(
            "the first row must be a header naming the columns model and score (and "
            f"optionally benchmark); it reads '{shown}'"
        )
    if not body:
        raise QualityCsvError("the file has a header but no rows below it")
    bench_col = _column(names, (BENCHMARK_COLUMN,))
    used = {model_col, score_col, bench_col}
    ignored = [header[i].strip() for i in range(len(header)) if i not in used]

    date = today or dt.date.today()
    known = known_ids if isinstance(known_ids, set | frozenset) else set(known_ids)
    scores: dict[str, QualityScore] = {}
    first_row: dict[str, int] = {}
    problems: list[RowProblem] = []
    unknown: list[str] = []
    for row_number, record in body:
        cells = [*record, *[""] * (len(header) - len(record))]
        model_id = cells[model_col].strip()
        raw_score = cells[score_col].strip()
        if not model_id:
            problems.append(RowProblem(row=row_number, reason="missing model id"))
            continue
        score, reason = _score(raw_score)
        if reason:
            problems.append(RowProblem(row=row_number, model=model_id, reason=reason))
            continue
        if model_id not in known:
            if model_id not in unknown:
                unknown.append(model_id)
            problems.append(
                RowProblem(
                    row=row_number, model=model_id, reason=_unknown(model_id, known, unknown)
                )
            )
            continue
        benchmark = cells[bench_col].strip() if bench_col is not None else ""
        if hidden := hidden_characters(benchmark):
            codes = ", ".join(code_point(ch) for ch in hidden)
            reason = f"the benchmark has invisible control characters ({codes}); remove them"
            problems.append(RowProblem(row=row_number, model=model_id, reason=reason))
            continue
        if model_id in first_row:
            problems.append(
                RowProblem(
                    row=row_number,
                    model=model_id,
                    reason=f"repeats the model of row {first_row[model_id]}, which was kept",
                )
            )
            continue
        first_row[model_id] = row_number
        assert score is not None
        scores[model_id] = QualityScore(score=score, benchmark=benchmark, source=source, date=date)
    report = ImportReport(
        imported=len(scores), problems=problems, unknown_ids=unknown, ignored_columns=ignored
    )
    return scores, report


def _column(names: list[str], wanted: tuple[str, ...]) -> int | None:
    return next((i for i, name in enumerate(names) if name in wanted), None)


def _score(raw: str) -> tuple[float | None, str]:
    """(score, "") or (None, the reason it is refused)."""
    if not raw:
        return None, "missing score"
    text, percent = (raw[:-1].strip(), True) if raw.endswith("%") else (raw, False)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    # A cell can be a whole line long (4,301 digits): the report quotes its start only.
    quoted = raw if len(raw) <= 40 else f"{raw[:30]}… ({len(raw):,} characters)"
    try:
        value = float(text)
    except ValueError:
        return None, f"score '{quoted}' is not a number"
    if not math.isfinite(value):
        return None, f"score '{quoted}' is not a number"
    if percent:
        value /= 100
    if not 0 <= value <= 1:
        hint = f" (write {value / 100:g} for {value:g}%)" if 2 <= value <= 100 else ""
        return None, f"score {raw} is outside 0..1{hint}"
    return value, ""


def _unknown(model_id: str, known: Collection[str], unknown: list[str]) -> str:
    reason = "unknown model id"
    # Suggestions cost a scan of every id; a file of thousands of strangers gets none.
    if len(unknown) <= _MAX_SUGGESTED:
        import difflib  # imported by a file naming an unknown model, not at start-up

        close = difflib.get_close_matches(model_id, list(known), n=1, cutoff=0.8)
        if close:
            reason += f" (did you mean '{close[0]}'?)"
    return reason


# The example scores and latencies shipped with the app.

EXAMPLE_COLUMNS = ("model", "score", "benchmark", "ttft_ms", "output_tokens_per_second", "date")


def parse_example_csv(
    text: str,
) -> list[tuple[str, QualityScore | None, LatencyProfile | None]]:
    """Rows of the shipped examples file, all with source "example".

    Columns: model, score, benchmark, ttft_ms, output_tokens_per_second, date (ISO); score or
    the two latency columns may be empty. It is our own file: any defect raises ValueError.
    """
    import csv

    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    if tuple(reader.fieldnames or ()) != EXAMPLE_COLUMNS:
        raise ValueError(f"example file header must be {','.join(EXAMPLE_COLUMNS)}")
    rows: list[tuple[str, QualityScore | None, LatencyProfile | None]] = []
    for record in reader:
        date = dt.date.fromisoformat(record["date"].strip())
        quality = None
        if record["score"].strip():
            quality = QualityScore(
                score=float(record["score"]),
                benchmark=record["benchmark"].strip(),
                source="example",
                date=date,
            )
        latency = None
        if record["ttft_ms"].strip():
            latency = LatencyProfile(
                ttft_ms=float(record["ttft_ms"]),
                output_tokens_per_second=float(record["output_tokens_per_second"]),
                source="example",
                date=date,
            )
        rows.append((record["model"].strip(), quality, latency))
    return rows


def with_examples(catalog: Catalog, text: str) -> Catalog:
    """The catalog with the shipped example scores and latencies (the first-run picture, and
    what the example scenarios were computed against)."""
    rows = parse_example_csv(text)
    data = CatalogUserData(
        quality={model_id: q for model_id, q, _ in rows if q is not None},
        latency={model_id: lat for model_id, _, lat in rows if lat is not None},
    )
    return apply_user_data(catalog, data)
