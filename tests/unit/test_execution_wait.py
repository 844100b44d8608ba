"""How the CLI waits for an execution: promptly for a short run, gently for a long one."""

from __future__ import annotations

import pytest

from arrears_cli import executions


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeStack:
    """An execution that ends once `ends_at` seconds have passed on the clock."""

    def __init__(self, clock: FakeClock, ends_at: float) -> None:
        self.clock, self.ends_at, self.asked = clock, ends_at, 0

    def client(self, service: str):
        return self

    def describe_execution(self, executionArn: str) -> dict:
        self.asked += 1
        return {"status": "SUCCEEDED" if self.clock.now >= self.ends_at else "RUNNING"}


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(executions.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(executions.time, "sleep", fake.sleep)
    return fake


def test_a_short_run_is_seen_ending_within_a_quarter_second(clock):
    stack = FakeStack(clock, ends_at=3.0)

    assert executions.wait(stack, "arn")["status"] == "SUCCEEDED"
    assert max(clock.sleeps) == executions.PROMPT_POLL_S
    assert clock.now - 3.0 <= executions.PROMPT_POLL_S


def test_after_a_minute_a_long_run_is_asked_every_two_seconds(clock):
    stack = FakeStack(clock, ends_at=600.0)

    executions.wait(stack, "arn")

    within_minute = [s for s, at in zip(clock.sleeps, _times(clock.sleeps), strict=True) if at < 60]
    assert max(within_minute) == executions.PROMPT_POLL_S
    assert clock.sleeps[-1] == executions.LONG_POLL_S
    assert stack.asked < 60 / executions.PROMPT_POLL_S + (600 - 60) / executions.LONG_POLL_S + 20


def test_a_run_past_its_timeout_is_reported_not_waited_on_forever(clock):
    stack = FakeStack(clock, ends_at=10_000.0)

    with pytest.raises(TimeoutError, match="still RUNNING after 120"):
        executions.wait(stack, "arn", timeout_s=120)
    assert clock.now <= 120 + executions.LONG_POLL_S


def _times(sleeps: list[float]) -> list[float]:
    """When each sleep began."""
    began, at = [], 0.0
    for seconds in sleeps:
        began.append(at)
        at += seconds
    return began
