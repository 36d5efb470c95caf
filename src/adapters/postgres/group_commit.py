import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import attrs

Item = TypeVar("Item")
Result = TypeVar("Result")


@attrs.define
class GroupCommit(Generic[Item, Result]):
    """Coalesces concurrent writes into shared transactions: a durable commit costs a disk flush
    (milliseconds), while one more statement in a transaction costs a fraction of one. Nothing
    waits on a timer: an item arriving to an idle committer leaves at the next turn of the event
    loop, with whatever else arrived in the same turn; items arriving while a batch commits go
    together in the next one. A further batch starts before the one in flight ends only when
    `max_batch` items wait (up to `max_in_flight` batches): the fewer, larger batches cost less
    CPU than many small ones, and a batch stuck on a row lock does not hold back everything.

    `batch` writes its items in one transaction and returns their results in order; if it
    raises an error that `retry_alone` accepts, each item is retried through `alone`, so one bad
    item fails only its own caller; any other error (an outage) fails them all at once instead of
    making the last wait through every retry. `submit` returns once its item is committed."""

    batch: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]]
    alone: Callable[[Item], Awaitable[Result]]
    retry_alone: Callable[[Exception], bool] = lambda error: True
    max_batch: int = 16
    max_in_flight: int = 4
    _pending: list[tuple[Item, asyncio.Future[Result]]] = attrs.field(factory=list, init=False)
    _scheduled: bool = attrs.field(default=False, init=False)
    _in_flight: int = attrs.field(default=0, init=False)
    # The event loop keeps only weak references to tasks.
    _tasks: set[asyncio.Task[None]] = attrs.field(factory=set, init=False)

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        self._scheduled = False
        while self._pending and (self._in_flight == 0 or (len(self._pending) >= self.max_batch and self._in_flight < self.max_in_flight)):
            taken, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            self._in_flight += 1
            task = asyncio.create_task(self._commit(taken))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _commit(self, taken: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            try:
                results = await self.batch([item for item, _ in taken])
            except Exception as error:
                if len(taken) == 1 or not self.retry_alone(error):
                    raise
                for item, future in taken:
                    await self._settle(future, self.alone(item))
            else:
                for (_, future), result in zip(taken, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        except BaseException as error:
            for _, future in taken:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
        finally:
            self._in_flight -= 1
            self._start()

    @staticmethod
    async def _settle(future: asyncio.Future[Result], work: Awaitable[Result]) -> None:
        try:
            result = await work
        except Exception as error:
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(result)
