import asyncio

import attrs
import pytest

from adapters.postgres.group_commit import GroupCommit


class Refused(Exception):
    pass


@attrs.define
class FakeStore:
    """Records each batch and each lone write; `gate` holds batches in flight until it is set;
    an item "bad" fails any transaction it is in."""

    gate: asyncio.Event = attrs.field(factory=asyncio.Event)
    batches: list[list[str]] = attrs.field(factory=list)
    alone_calls: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.gate.set()

    async def batch(self, items):
        self.batches.append(list(items))
        await self.gate.wait()
        if "bad" in items:
            raise Refused("bad item")
        return [item.upper() for item in items]

    async def alone(self, item):
        self.alone_calls.append(item)
        if item == "bad":
            raise Refused("bad item")
        return item.upper()


async def test_items_of_one_loop_turn_share_a_batch_and_get_their_own_results():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone)
    assert await asyncio.gather(*(commits.submit(item) for item in ("a", "b", "c"))) == ["A", "B", "C"]
    assert store.batches == [["a", "b", "c"]]


async def test_a_lone_item_is_written_at_once():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone)
    assert await asyncio.wait_for(commits.submit("a"), timeout=1) == "A"
    assert await commits.submit("b") == "B"
    assert store.batches == [["a"], ["b"]]


async def test_items_arriving_while_a_batch_commits_go_together_next():
    store = FakeStore()
    store.gate.clear()
    commits = GroupCommit(store.batch, store.alone)
    first = asyncio.ensure_future(commits.submit("a"))
    await asyncio.sleep(0)
    waiting = [asyncio.ensure_future(commits.submit(item)) for item in ("b", "c", "d")]
    await asyncio.sleep(0.01)
    assert store.batches == [["a"]]
    store.gate.set()
    assert await asyncio.gather(first, *waiting) == ["A", "B", "C", "D"]
    assert store.batches == [["a"], ["b", "c", "d"]]


async def test_a_full_batch_waiting_starts_beside_the_one_in_flight_up_to_the_limit():
    store = FakeStore()
    store.gate.clear()
    commits = GroupCommit(store.batch, store.alone, max_batch=2, max_in_flight=2)
    first = asyncio.ensure_future(commits.submit("a"))
    await asyncio.sleep(0)
    waiting = [asyncio.ensure_future(commits.submit(item)) for item in "bcde"]
    await asyncio.sleep(0.01)
    assert store.batches == [["a"], ["b", "c"]]
    store.gate.set()
    assert await asyncio.gather(first, *waiting) == list("ABCDE")
    assert store.batches == [["a"], ["b", "c"], ["d", "e"]]


async def test_batches_are_at_most_max_batch_items():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone, max_batch=2, max_in_flight=1)
    assert await asyncio.gather(*(commits.submit(item) for item in "abcde")) == list("ABCDE")
    assert store.batches == [["a", "b"], ["c", "d"], ["e"]]


async def test_a_failing_batch_is_retried_alone_and_fails_only_the_bad_item():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone)
    results = await asyncio.gather(*(commits.submit(item) for item in ("a", "bad", "c")), return_exceptions=True)
    assert results[0] == "A" and isinstance(results[1], Refused) and results[2] == "C"
    assert store.alone_calls == ["a", "bad", "c"]


async def test_an_error_not_worth_retrying_fails_the_whole_batch_at_once():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone, retry_alone=lambda error: not isinstance(error, Refused))
    results = await asyncio.gather(*(commits.submit(item) for item in ("a", "bad", "c")), return_exceptions=True)
    assert all(isinstance(result, Refused) for result in results)
    assert store.alone_calls == []


async def test_a_failing_batch_of_one_is_not_retried():
    store = FakeStore()
    commits = GroupCommit(store.batch, store.alone)
    with pytest.raises(Refused):
        await commits.submit("bad")
    assert store.alone_calls == []
    assert await commits.submit("a") == "A"


async def test_a_caller_that_gives_up_does_not_disturb_the_others():
    store = FakeStore()
    store.gate.clear()
    commits = GroupCommit(store.batch, store.alone, max_in_flight=1)
    gone, kept = asyncio.ensure_future(commits.submit("a")), asyncio.ensure_future(commits.submit("b"))
    await asyncio.sleep(0)
    gone.cancel()
    store.gate.set()
    assert await kept == "B"
    assert await commits.submit("c") == "C"
