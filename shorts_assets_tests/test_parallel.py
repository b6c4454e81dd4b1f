"""Calls made at once, answered in order: `parallel.in_order` and `one_at_a_time`."""

import threading
import time

import pytest

from shorts_assets.parallel import in_order, one_at_a_time


class Probe:
    """A call that sleeps `seconds(item)` and records which items overlapped."""

    def __init__(self, seconds, fail_on=None):
        self.seconds, self.fail_on = seconds, fail_on
        self.lock = threading.Lock()
        self.running, self.most, self.started, self.finished = 0, 0, [], []

    def __call__(self, item):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(item)
        try:
            time.sleep(self.seconds(item))
            if item == self.fail_on:
                raise RuntimeError(f"item {item} failed")
            return item * 10
        finally:
            with self.lock:
                self.running -= 1
                self.finished.append(item)


def test_results_keep_the_items_order_whichever_finishes_first():
    probe = Probe(lambda item: 0.05 * (6 - item))  # the first item is the slowest
    assert in_order(probe, range(6), 6) == [0, 10, 20, 30, 40, 50]
    assert probe.finished[0] != 0 and probe.most == 6


@pytest.mark.parametrize("at_once", [1, 2, 4])
def test_at_most_at_once_calls_run_together(at_once):
    probe = Probe(lambda item: 0.1)
    in_order(probe, range(8), at_once)
    assert probe.most == at_once


def test_a_failure_cancels_what_has_not_started_lets_the_running_finish_and_is_raised():
    probe = Probe(lambda item: 0.3 if item == 0 else 0.02, fail_on=1)
    with pytest.raises(RuntimeError, match="item 1 failed"):
        in_order(probe, range(10), 2)
    assert 0 in probe.finished  # the slow call that was running when item 1 failed ended first
    assert len(probe.started) < 10 and sorted(probe.finished) == sorted(probe.started)


def test_the_earliest_failure_is_raised_as_a_loop_would():
    def call(item):
        time.sleep(0.2 if item == 1 else 0.0)
        raise ValueError(f"item {item}")

    with pytest.raises(ValueError, match="item 1"):
        in_order(call, [1, 2], 2)


def test_nothing_runs_without_a_worker():
    with pytest.raises(ValueError, match="at least one call"):
        in_order(str, [1], 0)


def test_one_at_a_time_per_key_and_keys_apart_run_together():
    inside = {"a": 0, "b": 0}
    most = {"a": 0, "b": 0, "both": 0}
    lock = threading.Lock()

    def enter(key):
        with one_at_a_time(f"test-{key}"):
            with lock:
                inside[key] += 1
                most[key] = max(most[key], inside[key])
                most["both"] = max(most["both"], inside["a"] + inside["b"])
            time.sleep(0.1)
            with lock:
                inside[key] -= 1

    in_order(enter, ["a", "b", "a", "b"], 4)
    assert most == {"a": 1, "b": 1, "both": 2}  # a and b did not wait for each other
