"""A local cloud behind an HTTP endpoint, as `arrears local up` runs it, for the CLI and the AWS CLI."""

from __future__ import annotations

import json
import os
import socket

import pytest

from tests.conftest import TEST_PARAMETERS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served_cloud():
    """The stack behind a free port, as `arrears local up` serves it; deployed once per module."""
    from localcloud import LocalCloud
    from localcloud.webhook_server import WebhookServer

    with LocalCloud(stack_name="arrears-cli", port=free_port(), parameters=TEST_PARAMETERS) as cloud:
        cloud.snapshot()
        http_api = WebhookServer(cloud.handle_http, port=0).start()
        yield cloud, {**cloud.describe(), "webhook_url": http_api.url}
        http_api.stop()


@pytest.fixture
def endpoint(served_cloud, tmp_path, monkeypatch):
    """The served stack as freshly deployed, with .arrears/local.json in a scratch working directory."""
    cloud, described = served_cloud
    cloud.restore()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)  # whatever the CLI sets is undone after
    monkeypatch.setenv("ARREARS_CONFIG_DIR", str(tmp_path / "config"))  # sessions of this test only
    (tmp_path / ".arrears").mkdir()
    (tmp_path / ".arrears" / "local.json").write_text(json.dumps(described))
    yield cloud


def overrides() -> list[str]:
    """The test stack's parameters as `arrears local up` and `arrears simulate` take them."""
    pairs = [f"{key}={value}" for key, value in TEST_PARAMETERS.items()]
    return [arg for pair in pairs for arg in ("--parameter-overrides", pair)]


def clean_env() -> dict:
    """The environment of a fresh shell: no endpoint or credentials left over from other tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    return env
