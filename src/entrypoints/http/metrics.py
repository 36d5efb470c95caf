"""`GET /metrics`: Prometheus' text format, for a scraper on this host or the compose network
(`metrics_access`). Two sources: the samples every process of `tatame serve` counted
(`entrypoints.process_metrics`, one file per process), and the figures the database holds, read
now (`adapters.postgres.metrics`)."""

import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs
import structlog
from dishka import AsyncContainer
from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from adapters.postgres.metrics import ChannelOutbox, ModelCalls, PostgresMetrics
from entrypoints.http.metrics_access import refusal
from entrypoints.process_metrics import multiprocess_folder, process_metrics
from entrypoints.settings import Settings

log = structlog.get_logger(__name__)

REFUSALS = {401: "send Authorization: Bearer <METRICS_TOKEN>", 403: "metrics are served to this host and the compose network only"}


@attrs.frozen(eq=False)  # a registry keys its collectors by identity
class StoredFigures:
    """A collector of what was read from the database for one scrape (collectors are synchronous,
    the database is not: it is read first)."""

    outbox: Sequence[ChannelOutbox] | None  # None: the database did not answer
    calls: Sequence[ModelCalls] | None  # None: no language model configured, or no answer

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("tatame_database_up", "1 when the database answered this scrape's queries, else 0")
        up.add_metric([], 0 if self.outbox is None else 1)
        yield up
        if self.outbox is not None:
            yield from _outbox_families(self.outbox)
        if self.calls is not None:
            yield from _call_families(self.calls)


def _outbox_families(rows: Sequence[ChannelOutbox]) -> Iterator[Metric]:
    sent = CounterMetricFamily("tatame_messages_sent", "Replies delivered, by channel", labels=["channel"])
    pending = GaugeMetricFamily("tatame_outbox_pending", "Replies waiting to be sent or retried, by channel", labels=["channel"])
    retrying = GaugeMetricFamily("tatame_outbox_retrying", "Pending replies whose last attempt failed, by channel", labels=["channel"])
    given_up = CounterMetricFamily(
        "tatame_outbox_given_up", "Replies never sent (refused, or out of attempts), by channel", labels=["channel"]
    )
    oldest = GaugeMetricFamily("tatame_outbox_oldest_pending_seconds", "Age of the oldest pending reply, by channel", labels=["channel"])
    now = time.time()
    for row in rows:
        sent.add_metric([row.channel], row.delivered)
        pending.add_metric([row.channel], row.pending)
        retrying.add_metric([row.channel], row.retrying)
        given_up.add_metric([row.channel], row.given_up)
        oldest.add_metric([row.channel], 0 if row.oldest_pending is None else max(0.0, now - row.oldest_pending.timestamp()))
    yield from (sent, pending, retrying, given_up, oldest)


def _call_families(rows: Sequence[ModelCalls]) -> Iterator[Metric]:
    calls = CounterMetricFamily(
        "tatame_llm_calls", "Language model calls, by model, decision and outcome (ok, or failed)", labels=["model", "decision", "outcome"]
    )
    tokens = CounterMetricFamily("tatame_llm_tokens", "Tokens billed, by model, decision and kind", labels=["model", "decision", "kind"])
    cost = CounterMetricFamily("tatame_llm_cost_usd", "What the calls to priced models cost, in USD", labels=["model", "decision"])
    # Rows come per outcome; tokens and cost are not told apart by it (a failed call bills too).
    billed: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    spent: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        calls.add_metric([row.model, row.decision, "ok" if row.ok else "failed"], row.calls)
        billed[row.model, row.decision].update(prompt=row.prompt_tokens, cached=row.cached_tokens, completion=row.completion_tokens)
        if row.cost_usd is not None:
            spent[row.model, row.decision] = spent.get((row.model, row.decision), Decimal(0)) + row.cost_usd
    for (model, decision), counts in billed.items():
        for kind in ("prompt", "cached", "completion"):
            tokens.add_metric([model, decision, kind], counts[kind])
    for (model, decision), usd in spent.items():
        cost.add_metric([model, decision], float(usd))
    yield from (calls, tokens, cost)


async def _stored_figures(container: AsyncContainer, with_calls: bool) -> StoredFigures:
    """The processes' counts are worth serving while the database is down (they show the outage's
    refused webhooks), so a failed read leaves the database's figures out and says so."""
    reader = await container.get(PostgresMetrics)
    try:
        return StoredFigures(outbox=await reader.outbox(), calls=await reader.model_calls() if with_calls else None)
    except Exception as error:
        log.warning("metrics.database_unavailable", error=f"{type(error).__name__}: {error}")
        return StoredFigures(outbox=None, calls=None)


def _counted() -> CollectorRegistry:
    if folder := multiprocess_folder():
        registry = CollectorRegistry()
        MultiProcessCollector(registry, folder)
        return registry
    return process_metrics().registry  # one process on its own (the tests' in-process app)


@get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response[bytes | dict[str, str]]:
    """Counters of all processes and the database's figures, or 401/403 (see `metrics_access`)."""
    container: AsyncContainer = request.app.state.container
    settings = await container.get(Settings)
    status = refusal(settings.metrics_token, request.headers, request.client.host if request.client else None)
    if status is not None:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return Response({"detail": REFUSALS[status]}, status_code=status, headers=headers)
    stored = CollectorRegistry()
    stored.register(await _stored_figures(container, with_calls=settings.engine == "openai"))
    body = generate_latest(_counted()) + generate_latest(stored)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
