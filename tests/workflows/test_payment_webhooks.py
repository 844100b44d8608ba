"""Payment webhooks through the stack's HTTP API: signed requests in, ledger, account and bus out.

Requests go through the local webhook server (HTTP → API Gateway v2 event → Lambda → DynamoDB),
as a processor's delivery would.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
import requests
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.services import posting
from arrears.store import accounts_repo, payments_repo

from arrears_cli import executions
from arrears_cli.webhook_sender import Kind, build, new_payment_id
from localcloud.webhook_server import WebhookServer

START = date(2026, 3, 2)  # a Monday: the cycle's letters go out on business days
NEW_YORK = ZoneInfo("America/New_York")
DUNNING = {"first_reminder", "second_reminder", "past_due_notice", "final_demand", "charge_off_notice"}


RECEIVED = datetime(2026, 3, 13, 12, tzinfo=NEW_YORK)  # API Gateway's stamp: after every event here


@pytest.fixture
def server(cloud):
    cloud.receipt_epoch = RECEIVED.timestamp()
    running = WebhookServer(cloud.handle_http, port=0).start()
    yield running
    running.stop()


def _late_card(stack, account_id: str, currency: str = "USD", due: int = 5000) -> None:
    accounts_repo.create_account(
        Account(
            account_id,
            "main",
            ProductType.OPEN_END,
            currency,
            100 * due,
            100 * due,
            (Due(date(2026, 2, 14), due),),
            "en-US",
            "America/New_York",
            "US",
            home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=START,
        )
    )


def _cycle(stack, day: date) -> None:
    run_at = datetime.combine(day, clock(12), NEW_YORK)
    assert executions.run_cycle(stack, "main", day, run_at)["status"] == "SUCCEEDED"


def _on(day: date) -> datetime:
    return datetime.combine(day, clock(10), NEW_YORK)


def _send(
    cloud, server, provider: str, kind: Kind, amount: Money, payment_id: str, **kw
) -> requests.Response:
    delivery = build(
        provider, kind, [cloud.webhook_secrets[provider]], amount=amount, payment_id=payment_id, **kw
    )
    return delivery.post(server.url)


def _ledger(account_id: str) -> list[int]:
    return sorted(int(r.amount) for r in accounts_repo.timeline(account_id, kind="ledger"))


def _letters(account_id: str) -> dict[str, str]:
    return {r.sk: r.detail["code"] for r in accounts_repo.timeline(account_id, kind="letter")}


def _everything(cloud) -> dict:
    """Every item of every table: the test of 'no write of any kind'."""
    dynamodb = cloud.client("dynamodb")
    return {
        table: sorted(json.dumps(i, sort_keys=True) for i in dynamodb.scan(TableName=table)["Items"])
        for table in dynamodb.list_tables()["TableNames"]
    }


@pytest.mark.parametrize("provider", ["stripe", "adyen", "standard"])
def test_fifty_concurrent_deliveries_of_one_payment_post_once(cloud, stack, server, provider):
    _late_card(stack, f"RACE-{provider}")
    delivery = build(
        provider,
        Kind.PAYMENT,
        [cloud.webhook_secrets[provider]],
        amount=Money(1234, "USD"),
        payment_id=new_payment_id(provider),
        account_id=f"RACE-{provider}",
        occurred_at=_on(START),
    )
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda _: delivery.post(server.url, timeout=180).status_code, range(50)))

    # 409 tells a processor another delivery of the same event is being applied: it retries later
    assert set(statuses) <= {200, 409} and statuses.count(200) >= 1
    assert _ledger(f"RACE-{provider}") == [-1234]
    assert accounts_repo.get_account(f"RACE-{provider}").balance == 500_000 - 1234


def test_fifty_racing_writers_of_one_payment_leave_one_entry(stack):
    """The handler's guarantee rests on the conditional writes, not on requests arriving one by one."""
    from arrears.domain.payments import Action, PaymentEvent
    from arrears.store.models import transaction_connection

    _late_card(stack, "RACE-RAW")
    event = PaymentEvent(
        "standard",
        "msg_race",
        "payment.succeeded",
        Action.PAYMENT,
        _on(START),
        payment_id="pay_race",
        amount=Money(777, "USD"),
        account_ref="RACE-RAW",
    )
    # One Lambda process serves one request at a time: its clients exist before the next request.
    # Fifty threads meeting a client not built yet would each build one (seconds, and not the race).
    assert accounts_repo.get_account("RACE-RAW").balance == 500_000 and _ledger("RACE-RAW") == []
    assert transaction_connection(stack.region).client is not None
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(lambda _: posting.apply(event).outcome.value, range(50)))

    assert outcomes.count("applied") == 1 and outcomes.count("duplicate") == 49
    assert _ledger("RACE-RAW") == [-777]
    assert accounts_repo.get_account("RACE-RAW").balance == 500_000 - 777


def _forged(cloud, provider: str) -> list[tuple[dict, bytes]]:
    good = build(
        provider,
        Kind.PAYMENT,
        [cloud.webhook_secrets[provider]],
        amount=Money(5000, "USD"),
        payment_id=new_payment_id(provider),
        account_id="FORGE-1",
    )
    wrong_key = build(
        provider,
        Kind.PAYMENT,
        ["whsec_" + "0" * 32 if provider != "adyen" else "00" * 32],
        amount=Money(5000, "USD"),
        payment_id=new_payment_id(provider),
        account_id="FORGE-1",
    )
    tampered = good.body.replace(b"5000", b"9000")
    requests_ = [(wrong_key.headers, wrong_key.body), (good.headers, tampered), (good.headers, b"{not json")]
    if provider != "adyen":  # Adyen signs no timestamp; its replays are stopped by the dedupe
        stale = build(
            provider,
            Kind.PAYMENT,
            [cloud.webhook_secrets[provider]],
            amount=Money(5000, "USD"),
            payment_id=new_payment_id(provider),
            account_id="FORGE-1",
            signed_at=int(time.time()) - 3600,
        )
        future = build(
            provider,
            Kind.PAYMENT,
            [cloud.webhook_secrets[provider]],
            amount=Money(5000, "USD"),
            payment_id=new_payment_id(provider),
            account_id="FORGE-1",
            signed_at=int(time.time()) + 3600,
        )
        requests_ += [(stale.headers, stale.body), (future.headers, future.body)]
    return requests_


@pytest.mark.parametrize("provider", ["stripe", "adyen", "standard"])
def test_forged_stale_and_malformed_requests_get_4xx_and_write_nothing(cloud, stack, server, provider):
    _late_card(stack, "FORGE-1")
    before = _everything(cloud)

    answers = [
        requests.post(f"{server.url}/webhooks/{provider}", data=body, headers=headers, timeout=30)
        for headers, body in _forged(cloud, provider)
    ]

    assert all(400 <= a.status_code < 500 for a in answers), [(a.status_code, a.text) for a in answers]
    assert all("Traceback" not in a.text for a in answers)
    assert _everything(cloud) == before  # not even an idempotency record


def test_a_payment_through_the_local_server_cures_and_the_next_cycle_sends_no_dunning(cloud, stack, server):
    _late_card(stack, "CURE-1")
    _cycle(stack, START)  # 16 DPD: the second reminder
    assert "second_reminder" in _letters("CURE-1").values()
    payment_id = new_payment_id("stripe")

    paid = _send(
        cloud,
        server,
        "stripe",
        Kind.PAYMENT,
        Money(5000, "USD"),
        payment_id,
        account_id="CURE-1",
        occurred_at=_on(date(2026, 3, 3)),
    )

    assert paid.status_code == 200 and paid.json()["outcomes"][0]["outcome"] == "applied"
    cured = accounts_repo.get_account("CURE-1")
    assert (cured.bucket.value, cured.dpd, cured.past_due) == ("current", 0, 0)  # the same minute
    letters_before = _letters("CURE-1")
    for day in (date(2026, 3, 3), date(2026, 3, 6), date(2026, 3, 11)):
        _cycle(stack, day)
    new_letters = {code for sk, code in _letters("CURE-1").items() if sk not in letters_before}
    assert not DUNNING & new_letters  # the 20-DPD step would have fallen on the 6th
    assert "payment_received" in new_letters

    refunded = _send(
        cloud,
        server,
        "stripe",
        Kind.REFUND,
        Money(5000, "USD"),
        payment_id,
        occurred_at=_on(date(2026, 3, 12)),
    )

    assert refunded.status_code == 200 and refunded.json()["outcomes"][0]["outcome"] == "applied"
    back = accounts_repo.get_account("CURE-1")
    assert back.dues == (Due(date(2026, 2, 14), 5000),)  # the due the payment had settled is open again
    assert (back.balance, back.past_due, back.dpd) == (500_000, 5000, 26)
    assert back.bucket.value == "1-29"
    assert sum(_ledger("CURE-1")) == 0  # the payment and its reversal


def test_unknown_account_and_currency_mismatch_go_to_suspense_and_can_be_assigned(cloud, stack, server):
    _late_card(stack, "SUSP-1")
    unknown = new_payment_id("adyen")
    mismatch = new_payment_id("standard")

    assert _send(
        cloud, server, "adyen", Kind.PAYMENT, Money(700, "USD"), unknown, account_id="NO-SUCH",
        occurred_at=_on(START),
    ).text == ("[accepted]")  # fmt: skip
    answer = _send(
        cloud, server, "standard", Kind.PAYMENT, Money(1500, "JPY"), mismatch, account_id="SUSP-1",
        occurred_at=_on(START),
    )  # fmt: skip

    assert answer.json()["outcomes"][0] == {
        **answer.json()["outcomes"][0],
        "outcome": "suspense",
        "reason": "currency_mismatch",
    }
    held = {(i.provider, i.payment_id): i for i in payments_repo.list_suspense()}
    assert held[("adyen", unknown)].amount == Money(700, "USD")
    assert held[("adyen", unknown)].reason == "unknown_account"
    assert held[("standard", mismatch)].amount == Money(1500, "JPY")
    assert _ledger("SUSP-1") == []

    posting.assign_suspense("adyen", unknown, "SUSP-1", "operator-3", on=START)

    assert _ledger("SUSP-1") == [-700]
    assert [i.payment_id for i in payments_repo.list_suspense()] == [mismatch]


def test_a_refund_that_arrives_before_its_payment_is_held_then_applied(cloud, stack, server):
    _late_card(stack, "EARLY-1")
    _cycle(stack, START)  # evaluated: past due is then kept current by every posting
    payment_id = new_payment_id("standard")

    early = _send(
        cloud, server, "standard", Kind.REFUND, Money(2000, "USD"), payment_id, occurred_at=_on(START)
    )

    assert early.json()["outcomes"][0]["outcome"] == "held"
    assert _ledger("EARLY-1") == []
    paid = _send(
        cloud,
        server,
        "standard",
        Kind.PAYMENT,
        Money(5000, "USD"),
        payment_id,
        account_id="EARLY-1",
        occurred_at=_on(START),
    )

    assert paid.json()["outcomes"][0]["outcome"] == "applied"
    assert _ledger("EARLY-1") == [-5000, 2000]
    account = accounts_repo.get_account("EARLY-1")
    assert (account.balance, account.past_due) == (500_000 - 3000, 2000)


def test_a_chargeback_reverses_the_payment_and_a_won_dispute_reinstates_it(cloud, stack, server):
    _late_card(stack, "CB-1")
    _cycle(stack, START)  # evaluated: past due is then kept current by every posting
    payment_id = new_payment_id("stripe")
    _send(
        cloud,
        server,
        "stripe",
        Kind.PAYMENT,
        Money(5000, "USD"),
        payment_id,
        account_id="CB-1",
        occurred_at=_on(START),
    )
    assert accounts_repo.get_account("CB-1").past_due == 0

    taken = _send(
        cloud,
        server,
        "stripe",
        Kind.CHARGEBACK,
        Money(5000, "USD"),
        payment_id,
        reversal_id="d1",
        occurred_at=_on(START),
    )

    assert taken.json()["outcomes"][0]["outcome"] == "applied"
    assert accounts_repo.get_account("CB-1").past_due == 5000  # back in collection
    assert sorted(_ledger("CB-1")) == [-5000, 5000]

    won = _send(
        cloud,
        server,
        "stripe",
        Kind.DISPUTE_WON,
        Money(5000, "USD"),
        payment_id,
        reversal_id="d1",
        occurred_at=_on(START),
    )

    assert won.json()["outcomes"][0]["outcome"] == "applied"
    assert accounts_repo.get_account("CB-1").past_due == 0  # the money is the merchant's again
    assert sorted(_ledger("CB-1")) == [-5000, -5000, 5000]


@pytest.mark.parametrize(("currency", "amount"), [("JPY", 15000), ("KWD", 12345)])
def test_zero_and_three_decimal_currencies_post_in_their_minor_units(cloud, stack, server, currency, amount):
    _late_card(stack, f"CCY-{currency}", currency=currency, due=amount)
    for provider in ("stripe", "adyen", "standard"):
        _send(
            cloud,
            server,
            provider,
            Kind.PAYMENT,
            Money(amount // 5, currency),
            new_payment_id(provider),
            account_id=f"CCY-{currency}",
            occurred_at=_on(START),
        )

    account = accounts_repo.get_account(f"CCY-{currency}")
    assert _ledger(f"CCY-{currency}") == [-(amount // 5)] * 3
    assert account.balance == 100 * amount - 3 * (amount // 5)


def test_every_applied_payment_is_announced_on_the_payments_bus(cloud, stack, server):
    sqs, events = cloud.client("sqs"), cloud.client("events")
    queue = sqs.create_queue(QueueName="payment-applied")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="to-queue",
        EventBusName=stack.payments_bus,
        EventPattern=json.dumps({"source": ["arrears.domain.payments"]}),
    )
    events.put_targets(
        Rule="to-queue", EventBusName=stack.payments_bus, Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    _late_card(stack, "BUS-1")
    delivery = build(
        "standard",
        Kind.PAYMENT,
        [cloud.webhook_secrets["standard"]],
        amount=Money(2500, "USD"),
        payment_id="pay_bus_1",
        account_id="BUS-1",
        occurred_at=_on(START),
    )

    delivery.post(server.url)
    delivery.post(server.url)  # a duplicate is not announced twice

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    announced = [json.loads(m["Body"]) for m in messages]
    assert [(e["detail-type"], e["detail"]["payment_id"]) for e in announced] == [
        ("PaymentApplied", "pay_bus_1")
    ]
    assert announced[0]["detail"]["account_id"] == "BUS-1"
    assert announced[0]["detail"]["applied_amount"] == 2500


def test_a_secret_being_rotated_accepts_both_and_the_old_one_stops_after(cloud, stack, server):
    _late_card(stack, "ROT-1")
    old, new = cloud.webhook_secrets["stripe"], "whsec_rotated0000000000000000000000"
    cloud.set_signing_secrets("stripe", [new, old])
    payments_repo_ids = [new_payment_id("stripe") for _ in range(2)]
    signed_old = build(
        "stripe",
        Kind.PAYMENT,
        [old],
        amount=Money(100, "USD"),
        payment_id=payments_repo_ids[0],
        account_id="ROT-1",
        occurred_at=_on(START),
    )
    from arrears.adapters.aws_clients import reset_connections

    reset_connections()  # a new execution environment: the cached secret is read again
    assert signed_old.post(server.url).status_code == 200
    cloud.set_signing_secrets("stripe", [new])
    reset_connections()
    late_old = build(
        "stripe",
        Kind.PAYMENT,
        [old],
        amount=Money(100, "USD"),
        payment_id=payments_repo_ids[1],
        account_id="ROT-1",
        occurred_at=_on(START),
    )
    assert late_old.post(server.url).status_code == 401
    assert _ledger("ROT-1") == [-100]


def test_unknown_provider_and_unknown_event_types_are_answered_without_writes(cloud, stack, server):
    assert requests.post(f"{server.url}/webhooks/paypal", data=b"{}", timeout=30).status_code == 404
    assert requests.post(f"{server.url}/nowhere", data=b"{}", timeout=30).status_code == 404
    delivery = build(
        "adyen",
        Kind.FAILED,
        [cloud.webhook_secrets["adyen"]],
        amount=Money(100, "USD"),
        payment_id=new_payment_id("adyen"),
        account_id="NOBODY",
        occurred_at=_on(START),
    )
    assert delivery.post(server.url).text == "[accepted]"
    assert payments_repo.list_suspense() == []  # a failed authorisation moves no money


def test_a_bus_outage_answers_503_and_the_retry_announces_what_was_posted(cloud, stack, server, monkeypatch):
    from arrears.domain.errors import PublishFailed
    from payment_webhook import app

    _late_card(stack, "BUSDOWN-1")
    announced = []

    def down(bus, detail, region):
        raise PublishFailed("EventBridge: unreachable")

    delivery = build(
        "stripe", Kind.PAYMENT, [cloud.webhook_secrets["stripe"]], amount=Money(900, "USD"),
        payment_id=new_payment_id("stripe"), account_id="BUSDOWN-1", occurred_at=_on(START),
    )  # fmt: skip
    monkeypatch.setattr(app, "publish_payment_applied", down)
    first = delivery.post(server.url)
    monkeypatch.setattr(app, "publish_payment_applied", lambda bus, detail, region: announced.append(detail))
    retried = delivery.post(server.url)
    again = delivery.post(server.url)

    assert first.status_code == 503 and "Traceback" not in first.text
    assert _ledger("BUSDOWN-1") == [-900]  # posted once, before the outage
    assert (retried.status_code, again.status_code) == (200, 200)
    assert [d["applied_amount"] for d in announced] == [900]  # announced by the retry, once
