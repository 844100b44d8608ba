"""Seeded fuzzing of POST /webhooks/{provider}: ~10,000 hostile requests against the real handler.

Each request takes the path a processor's delivery takes, minus moto's Lambda API: the stack's
HTTP route turns it into the API Gateway v2 event (`localcloud.http_api.to_event`), the local
Lambda runtime invokes the function with it as JSON (`InProcessLambda.invoke`: the handler the
template names, its environment, a fake LambdaContext, an unhandled error reported as Lambda
does) and the answer becomes the HTTP response (`from_result`). Going through `cloud.handle_http`
adds ~25 ms of boto3 and moto per request and nothing under test.

The families (what each attacks) are built in webhook_corpus.py. Failures are collected over the
whole run and reported together, counted by family and by cause (status, exception, answer), with
the attacks behind each cause, so one run lists every hole.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

import pytest
from arrears.domain import errors
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.store import accounts_repo

from arrears_cli.stackref import StackRef
from localcloud import LocalCloud
from localcloud.http_api import NOT_FOUND, from_result, route_for, to_event
from tests.workflows.webhook_corpus import (
    FORGERY,
    JSON,
    UNUSABLE,
    Case,
    Target,
    adyen_body,
    adyen_sign,
    double_t_headers,
    forgeries,
    garbage,
    nested_adyen_forgery,
    payment,
    unusable,
)

SEED = 20261130
OPENING = 500_000  # every test account owes 5,000.00 USD
GROUPS_SHOWN = 40
TOKEN = re.compile(r"fz\d[a-z]\d{5}", re.IGNORECASE)  # the case id inside every id a case sends
# What an answer must never show: a traceback, our exception or model class names, pydantic's.
LEAK_WORDS = [
    "Traceback",
    'File "',
    "line \\d+, in",
    "\\.py\\b",
    "pydantic",
    "ValidationError",
    "input_value",
    "\\[type=",
    "NotificationRequestItem",
    "StripeEvent",
    "StandardEvent",
    "PaymentData",
    "_Wrapped",
    "_Data\\b",
    "Notification:",  # the model name model_of() puts in front of pydantic's messages
    "JSONDecodeError",
    "RecursionError",
    "UnicodeDecodeError",
    "KeyError",
    "TypeError",
    "ValueError",
    "AttributeError",
    "IndexError",
    "OverflowError",
    "binascii",
    "botocore",
    "ClientError",
    "PynamoDB",
    "stripe\\._",
    "Adyen\\.",
]


def _leak_pattern() -> re.Pattern:
    ours = [
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == errors.__name__
    ]
    return re.compile("|".join([*LEAK_WORDS, *(rf"\b{n}\b" for n in ours)]))


# ---------------------------------------------------------------------------------------------
# The stack's HTTP API, in process


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    error: str  # the exception behind a 5xx, from the function's log or its Lambda error


class _ExceptionLog(logging.Filter):
    """A filter on the function's logger (Powertools' `arrears`): notes each exception it logs.

    pytest captures this logger's records: 10,000 "refused" warnings would bury the report, so
    only errors pass, and only the first few tracebacks (the report counts them all). A filter,
    because Powertools resets the logger's level on every invocation.
    """

    SHOWN = 10

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.errors = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return False
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(_describe(record.exc_info[1]))
        self.errors += 1
        return self.errors <= self.SHOWN


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/functions/" in f.filename] or frames
    where = f" @ {'/'.join(ours[-1].filename.split('/')[-2:])}:{ours[-1].lineno}" if ours else ""
    inner = frames[-1] if frames else None
    deepest = (
        f" (raised in {inner.filename.split('/')[-1]}:{inner.lineno})"
        if inner and inner is not ours[-1]
        else ""
    )
    return f"{type(exc).__name__}: {str(exc)[:140]}{where}{deepest}"


class Gateway:
    """Route → v2 event → the function as the local Lambda runtime runs it → HTTP answer."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.log = _ExceptionLog()

    def post(self, case: Case) -> Answer:
        assert self.cloud.stack is not None
        found = route_for(self.cloud.stack.http_routes, "POST", case.target)
        if found is None:  # the gateway's own 404: no function is invoked
            return Answer(NOT_FOUND.status, NOT_FOUND.body.decode(), "")
        route, params = found
        event = to_event(route, params, "POST", case.target, case.headers, case.body)
        if case.base64 and not event["isBase64Encoded"]:  # as for a binary media type
            event["body"], event["isBase64Encoded"] = base64.b64encode(case.body).decode(), True
        self.log.seen.clear()
        lambda_headers: dict = {}
        payload = self.cloud.runtime.invoke(route.function.name, json.dumps(event), lambda_headers)
        failed = "x-amz-function-error" in lambda_headers
        response = from_result(payload, failed)
        error = ""
        if failed:
            reported = json.loads(payload)
            error = f"unhandled {reported['errorType']}: {reported['errorMessage'][:140]}"
        elif self.log.seen:
            error = self.log.seen[-1]
        return Answer(response.status, response.body.decode("utf-8", "replace"), error)


@pytest.fixture(scope="module")
def local(deployed_cloud):
    """One stack for the whole module, fresh at its start: the hostile requests share it."""
    deployed_cloud.restore()
    stack = StackRef.from_outputs(deployed_cloud.stack.outputs, deployed_cloud.region, None).bind()
    yield deployed_cloud, stack


@pytest.fixture
def gateway(local):
    cloud, _ = local
    gateway = Gateway(cloud)
    functions_log = logging.getLogger("arrears")  # Powertools' Logger(service="arrears")
    functions_log.addFilter(gateway.log)
    yield gateway
    functions_log.removeFilter(gateway.log)


def _open_account(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id,
            "main",
            ProductType.OPEN_END,
            "USD",
            OPENING,
            OPENING,
            (Due(date(2026, 2, 13), 5000),),
            "en-US",
            "America/New_York",
            "US",
            home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=date(2026, 3, 1),
        )
    )


def _target(cloud, account_id: str) -> Target:
    return Target(account_id, "USD", dict(cloud.webhook_secrets), int(time.time()))


# ---------------------------------------------------------------------------------------------
# What was written


def _scan(dynamodb, table: str, **kwargs) -> list[dict]:
    items, start = [], {}
    while True:
        page = dynamodb.scan(TableName=table, **kwargs, **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _money(cloud, stack) -> dict[str, set[str]]:
    """Every account, ledger entry and receipt: what no refused or unusable request may touch.

    Except a receipt held in suspense (on no account): that is where an authentic event that
    cannot be applied is kept for an operator (DESIGN.md, "Hostile input").
    """
    dynamodb = cloud.client("dynamodb")
    ledger = _scan(
        dynamodb,
        stack.activity_table,
        FilterExpression="#kind = :ledger OR (#kind = :receipt AND NOT #status = :suspense)",
        ExpressionAttributeNames={"#kind": "kind", "#status": "status"},
        ExpressionAttributeValues={
            ":ledger": {"S": "ledger"},
            ":receipt": {"S": "receipt"},
            ":suspense": {"S": "suspense"},
        },
    )
    return {
        "accounts": {json.dumps(i, sort_keys=True) for i in _scan(dynamodb, stack.accounts_table)},
        "ledger+receipts": {json.dumps(i, sort_keys=True) for i in ledger},
    }


def _everything(cloud) -> dict[str, set[str]]:
    """Every item of every table: a refused request writes nothing, not even an idempotency record."""
    dynamodb = cloud.client("dynamodb")
    return {
        table: {json.dumps(i, sort_keys=True) for i in _scan(dynamodb, table)}
        for table in dynamodb.list_tables()["TableNames"]
    }


def _writes(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(table, "new"/"gone", item) for every item that differs."""
    changed = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, set()), after.get(table, set())
        changed += [(table, "new", item) for item in sorted(new - old)]
        changed += [(table, "gone", item) for item in sorted(old - new)]
    return changed


def _balance(account_id: str) -> int:
    return accounts_repo.get_account(account_id).balance


def _ledger(account_id: str) -> list[int]:
    return sorted(int(r.amount) for r in accounts_repo.timeline(account_id, kind="ledger"))


# ---------------------------------------------------------------------------------------------
# The run and its report


@dataclass
class Finding:
    case: Case
    answer: Answer
    problem: str


def _check(case: Case, answer: Answer, leaks: re.Pattern) -> list[str]:
    problems = []
    low, high = case.expect
    if answer.status >= 500:
        problems.append("5xx")
    elif not low <= answer.status <= high:
        problems.append(f"status not {low}-{high}" if low != high else f"status not {low}")
    if leak := leaks.search(answer.body):
        problems.append(f"leaks {leak.group(0)!r}")
    path = case.target.split("?")[0]
    echoed = [s for s in case.echo if s and (s in answer.body or unquote(s) in answer.body)]
    if echoed or (len(path) > len("/webhooks/") + 6 and path in answer.body):
        problems.append("echoes the path")
    return problems


def _run(gateway: Gateway, cases: list[Case]) -> tuple[list[Finding], dict[int, Answer], float]:
    leaks = _leak_pattern()
    findings, answers = [], {}
    started = time.perf_counter()
    for case in cases:
        answer = answers[id(case)] = gateway.post(case)
        findings += [Finding(case, answer, p) for p in _check(case, answer, leaks)]
    return findings, answers, time.perf_counter() - started


def _attack(case: Case) -> str:
    """The generator and variant, without the per-case noise (byte offsets, the header variant)."""
    return re.sub(r"@\d+", "", case.attack.split("|")[0])


def _excerpt(text: str, size: int = 110) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= size else text[:size] + f"...(+{len(text) - size})"


def _cause(finding: Finding) -> str:
    """What a group of failures has in common: the exception and where, else the answer's gist."""
    error = finding.answer.error
    if error:
        kind, _, rest = error.partition(": ")
        where = rest[rest.find(" @ ") :] if " @ " in rest else f": {rest[:60]}"
        return kind + where
    body = finding.answer.body
    for echoed in finding.case.echo:  # the same answer whatever the path was
        body = body.replace(echoed, "<path>").replace(unquote(echoed), "<path>")
    return re.sub(r"\d+", "N", _excerpt(body, 80))


def _report(findings: list[Finding], writes: list[str], stats: str) -> str:
    failed = len({id(f.case) for f in findings if not f.problem.startswith("write")})
    lines = [stats, f"{failed} requests answered wrongly; {len(writes)} items written", ""]
    by_problem = Counter((f.case.family, f.problem.split(" '")[0], f.answer.status) for f in findings)
    lines.append("By family, problem and status:")
    lines += [f"  {fam:28} {prob:34} {status}  x{n}" for (fam, prob, status), n in sorted(by_problem.items())]
    groups: dict[tuple, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.case.family, f.answer.status, f.problem, _cause(f))].append(f)
    lines += ["", f"By family and cause (at most {GROUPS_SHOWN} per family, most first):"]
    shown: Counter = Counter()
    for (family, status, problem, cause), group in sorted(
        groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))
    ):
        shown[family] += 1
        if shown[family] > GROUPS_SHOWN:
            continue
        attacks = Counter(_attack(f.case) for f in group)
        named = ", ".join(a for a, _ in attacks.most_common(6)) + (
            f" (+{len(attacks) - 6} more)" if len(attacks) > 6 else ""
        )
        first = group[0]
        lines.append(f"  [{family[0]}] {status} {problem}: {cause}  x{len(group)}")
        lines.append(f"        attacks: {named}")
        lines.append(f"        e.g. {first.case.attack[:100]!r} answered {_excerpt(first.answer.body)!r}")
    for family, count in sorted(shown.items()):
        if count > GROUPS_SHOWN:
            lines.append(f"  [{family[0]}] ... and {count - GROUPS_SHOWN} more groups")
    if writes:
        lines += ["", "Writes:"]
        lines += [f"  {w}" for w in writes[:40]]
        if len(writes) > 40:
            lines.append(f"  ... and {len(writes) - 40} more")
    return "\n".join(lines)


def _write_findings(
    changed: list[tuple[str, str, str]], cases: list[Case], answers: dict[int, Answer], phase: str
) -> tuple[list[Finding], list[str]]:
    """A finding per written item, on the case whose token the item carries; and readable lines."""
    by_token = {t.lower(): case for case in cases for t in TOKEN.findall(case.uid)}
    findings, lines = [], []
    accounts: dict[str, dict[str, str]] = defaultdict(dict)
    for table, change, item in changed:
        data = json.loads(item)
        if "account_id" in data and "balance" in data:  # an Accounts item: say what moved
            accounts[data["account_id"]["S"]][change] = data["balance"]["N"]
            continue
        who = {id(c): c for c in (by_token.get(t.lower()) for t in TOKEN.findall(item)) if c is not None}
        for case in who.values() or [Case(phase, "unattributed", "", {}, b"")]:
            answer = answers.get(id(case), Answer(0, "", ""))
            findings.append(Finding(case, answer, f"write: {table} item {change}"))
        names = ", ".join(sorted(_attack(c) for c in who.values())) or "?"
        lines.append(f"{table} {change} by {names}: {_excerpt(item, 220)}")
    for account_id, balance in sorted(accounts.items()):
        moved = f"balance {balance.get('gone', '(no item)')} -> {balance.get('new', '(item deleted)')}"
        lines.insert(0, f"account {account_id} during {phase}: {moved}")
        findings.append(Finding(Case(phase, f"account {account_id}", "", {}, b""), Answer(0, "", ""), moved))
    return findings, lines


def test_ten_thousand_hostile_requests_get_no_5xx_no_leak_and_no_write(local, gateway):
    cloud, stack = local
    _open_account(stack, "FUZZ-1")
    target = _target(cloud, "FUZZ-1")
    refused = [*garbage(SEED, target), *forgeries(SEED, target)]
    random.Random(SEED).shuffle(refused)  # providers and families interleaved, as deliveries come
    usable_looking = list(unusable(SEED, target))
    random.Random(SEED + 1).shuffle(usable_looking)
    before = _everything(cloud)

    # When: families 1 and 2 (to be refused), then family 3 (to be acknowledged without posting)
    refused_findings, refused_answers, refused_seconds = _run(gateway, refused)
    after_refused, money_before = _everything(cloud), _money(cloud, stack)
    unusable_findings, unusable_answers, unusable_seconds = _run(gateway, usable_looking)
    money_after = _money(cloud, stack)

    # Then
    cases = refused + usable_looking
    seconds = refused_seconds + unusable_seconds
    # families 1 and 2: nothing written at all; family 3: no money moved
    refused_writes, refused_lines = _write_findings(
        _writes(before, after_refused), refused, refused_answers, "1+2 (refused)"
    )
    money_writes, money_lines = _write_findings(
        _writes(money_before, money_after), usable_looking, unusable_answers, "3 (unusable)"
    )
    findings = refused_findings + refused_writes + unusable_findings + money_writes
    per_family = Counter(c.family for c in cases)
    stats = (
        f"seed {SEED}: {len(cases)} requests ({dict(per_family)}) in {seconds:.1f} s, "
        f"{1000 * seconds / len(cases):.2f} ms per request "
        f"(families 1+2: {1000 * refused_seconds / len(refused):.2f} ms, "
        f"family 3: {1000 * unusable_seconds / len(usable_looking):.2f} ms)"
    )
    print(stats, file=sys.stderr)
    assert len(cases) >= 10_000
    assert not findings, _report(findings, refused_lines + money_lines, stats)


# ---------------------------------------------------------------------------------------------
# Sharp cases, one decision each


def test_a_signed_adyen_item_nested_in_a_forged_one_is_refused_and_the_balance_is_unchanged(local, gateway):
    cloud, stack = local
    _open_account(stack, "NEST-1")
    target = _target(cloud, "NEST-1")
    captured = adyen_sign(payment("adyen", target, "nest0cap1"), cloud.webhook_secrets["adyen"])
    forged = nested_adyen_forgery(target, "nest0fake", captured, amount=5_000_000)

    answer = gateway.post(Case(FORGERY, "nested", "adyen", dict(JSON), forged))

    assert 400 <= answer.status < 500, answer
    assert _balance("NEST-1") == OPENING
    assert _ledger("NEST-1") == []


def test_a_stripe_signature_with_two_timestamps_is_refused(local, gateway):
    cloud, stack = local
    _open_account(stack, "TWO-T-1")
    target = _target(cloud, "TWO-T-1")
    before = _everything(cloud)
    answers = {}

    for i, variant in enumerate(sorted(double_t_headers("{}", "whsec_x", 2, 1))):
        body = json.dumps(payment("stripe", target, f"twot{i:05d}"))
        header = double_t_headers(body, cloud.webhook_secrets["stripe"], target.now, target.now - 3600)[
            variant
        ]
        case = Case(FORGERY, variant, "stripe", {**JSON, "Stripe-Signature": header}, body.encode())
        answers[variant] = gateway.post(case).status

    assert all(400 <= status < 500 for status in answers.values()), answers
    assert _writes(before, _everything(cloud)) == []
    assert _balance("TWO-T-1") == OPENING


def test_an_adyen_request_of_a_thousand_items_is_refused_and_writes_nothing(local, gateway):
    cloud, stack = local
    _open_account(stack, "MANY-1")
    target = _target(cloud, "MANY-1")
    item = adyen_sign(payment("adyen", target, "many0item"), cloud.webhook_secrets["adyen"])
    before = _everything(cloud)

    answer = gateway.post(Case(FORGERY, "1000", "adyen", dict(JSON), adyen_body([item] * 1000)))

    assert answer.status in (400, 413), answer
    assert _writes(before, _everything(cloud)) == []


def test_a_captured_adyen_payment_replayed_with_another_event_date_changes_nothing(local, gateway):
    cloud, stack = local
    _open_account(stack, "REPLAY-1")
    target = _target(cloud, "REPLAY-1")
    item = adyen_sign(payment("adyen", target, "replay0001", amount=1234), cloud.webhook_secrets["adyen"])
    first = gateway.post(Case(UNUSABLE, "first", "adyen", dict(JSON), adyen_body([item])))
    assert 200 <= first.status < 300, first
    assert _balance("REPLAY-1") == OPENING - 1234  # the first delivery is applied
    assert _ledger("REPLAY-1") == [-1234]

    replayed = {**item, "eventDate": "2020-01-01T00:00:00+00:00"}  # eventDate is not signed
    again = gateway.post(Case(UNUSABLE, "replay", "adyen", dict(JSON), adyen_body([replayed])))

    assert 200 <= again.status < 300, again
    assert _balance("REPLAY-1") == OPENING - 1234
    assert _ledger("REPLAY-1") == [-1234]
