"""A handler's cold start imports only what its calls need every time (docs/decisions.md #47).

Letters (Jinja2, Babel's dates) are rendered by the cycle's pages alone; a payment provider's SDK
verifies that provider's requests alone; strategies and credit rules are read as YAML by one step
each; tokens are verified (PyJWT, requests for the keys) by the operator API alone; boto3 builds
the clients for S3, SES and Step Functions that only some calls use. Each is imported where it is
used, and a top-level import brought back anywhere on a handler's import path
fails here, for every handler module template.yaml names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localcloud.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
NEVER_AT_IMPORT = {"jinja2", "babel.dates", "pydantic_settings", "stripe", "Adyen"}
# What one handler needs on every call and the others do not: the operator API checks a token
# (PyJWT, requests for the keys) and the authority rules (YAML) on every request; the webhook's
# Powertools idempotency store is a boto3 client. Everyone else builds boto3 clients in some calls.
EVERY_CALL_OF = {
    "operator_api.app": {"yaml", "requests", "jwt", "cryptography"},
    "payment_webhook.app": {"boto3"},
}
SOME_CALLS = set().union(*EVERY_CALL_OF.values())


def handler_modules() -> list[str]:
    functions = resources_of_type(load_template(ROOT / "template.yaml"), "AWS::Serverless::Function")
    return sorted({r["Properties"]["Handler"].rsplit(".", 1)[0] for r in functions.values()})


def loaded_by(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT / "functions" / "common")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(json.loads(done.stdout))


def test_every_handler_module_is_checked():
    assert handler_modules() == [
        "credit_review.app", "daily_feed.app", "dunning.app", "operator_api.app", "opt_out.app",
        "payment_webhook.app", "skiptrace.app",
    ]  # fmt: skip


@pytest.mark.parametrize("module", handler_modules())
def test_a_cold_start_leaves_what_only_some_calls_need_unimported(module):
    forbidden = NEVER_AT_IMPORT | (SOME_CALLS - EVERY_CALL_OF.get(module, set()))
    assert loaded_by(module) & forbidden == set()


def test_the_deferred_imports_still_arrive_when_their_call_comes():
    # Given a fresh interpreter with the webhook handler loaded; when a Stripe signature is checked
    # and a letter rendered, then the Stripe SDK, Jinja2 and Babel's dates are there after all.
    code = """
import sys
from payment_webhook import stripe_events
from arrears.domain.errors import SignatureInvalid
from arrears.domain.letters import SUPPORTED_LOCALES, LetterCode, render
from arrears_cli.letter_samples import sample_context
try:
    stripe_events.verify("{}", {"stripe-signature": "t=1700000000,v1=00"}, ["whsec_x"], 300, 1700000000)
except SignatureInvalid:
    pass
render(sample_context(LetterCode.FIRST_REMINDER, SUPPORTED_LOCALES[0]))
print(all(m in sys.modules for m in ("stripe", "jinja2", "babel.dates")))
"""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "functions"), str(ROOT / "functions" / "common"), str(ROOT)]
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "True"
