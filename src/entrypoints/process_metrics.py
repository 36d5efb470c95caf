"""The figures counted where they happen, in whichever process that is: the server processes
(messages in, webhook responses) and the worker (turns, their latency, the buffer's wait).

`tatame serve` runs several processes, and a scrape reaches only one of them, so every process
writes its samples to files in one folder (prometheus-client's multiprocess mode,
`PROMETHEUS_MULTIPROC_DIR`), and `/metrics` reads them all. Figures the database already holds
(the outbox, the model calls) are not counted here: `/metrics` reads them at scrape time
(`adapters.postgres.metrics`), so they are right whichever process did the work, across restarts.

Only counters and histograms live here: their files stay valid after their process ends (a dead
process's counts still happened), so nothing needs forgetting beyond `mark_process_dead`."""

import functools
import os
import shutil
from pathlib import Path

import attrs
from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.multiprocess import mark_process_dead

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# A burst waits BUFFER_WINDOW (15 s) after its last message, at most BUFFER_MAX (60 s) after its first.
BUFFER_WAIT_BUCKETS = (0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300)
# The offline engine answers in tens of milliseconds; a model call takes seconds, OPENAI_TIMEOUT (15 s) at most.
TURN_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30)


def start_multiprocess(folder: Path) -> None:
    """Makes `folder` the empty metrics folder of this process and of the children it starts
    (they inherit the environment). Files of an earlier start are removed: their processes are
    gone, and counters start from zero with the service, as Prometheus expects of a restart."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
    # prometheus-client picks the way values are stored when it is imported, which in this
    # process was before the folder was known; metrics are made later (`process_metrics`).
    values.ValueClass = values.get_value_class()


def multiprocess_folder() -> str | None:
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


def process_ended(pid: int) -> None:
    if multiprocess_folder():
        mark_process_dead(pid)


@attrs.frozen
class ProcessMetrics:
    registry: CollectorRegistry
    messages_received: Counter
    webhook_responses: Counter
    turns: Counter
    turn_seconds: Histogram
    buffer_wait_seconds: Histogram


@functools.cache
def process_metrics() -> ProcessMetrics:
    """One set per process: a metric exists once in a process, whatever number of apps or
    containers (tests make several) count with it. Made on first use, after `start_multiprocess`."""
    registry = CollectorRegistry(auto_describe=True)
    return ProcessMetrics(
        registry=registry,
        messages_received=Counter(
            "tatame_messages_received",
            "Member messages stored (duplicate deliveries not counted), by channel",
            ["channel"],
            registry=registry,
        ),
        webhook_responses=Counter(
            "tatame_webhook_responses", "Responses to webhook requests, by HTTP status", ["status"], registry=registry
        ),
        turns=Counter(
            "tatame_turns",
            "Turns answered, by route and by engine (model: its calls answered; fallback: one failed; offline: none made)",
            ["route", "engine"],
            registry=registry,
        ),
        turn_seconds=Histogram(
            "tatame_turn_seconds", "Time a turn took to decide its reply, by route", ["route"], buckets=TURN_BUCKETS, registry=registry
        ),
        buffer_wait_seconds=Histogram(
            "tatame_buffer_wait_seconds",
            "Time from a burst's first message to the start of the turn that answered it",
            buckets=BUFFER_WAIT_BUCKETS,
            registry=registry,
        ),
    )
