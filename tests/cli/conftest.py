"""A local cloud behind an HTTP endpoint, as `arrears local up` runs it, for the CLI and the AWS CLI."""

from __future__ import annotations

import json
import socket

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def endpoint(tmp_path, monkeypatch):
    """Starts the stack on a free port and writes .arrears/local.json in a scratch working directory."""
    from localcloud import LocalCloud

    monkeypatch.chdir(tmp_path)
    with LocalCloud(stack_name="arrears-cli", port=free_port()) as cloud:
        monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)  # undone after the test, as `bind` sets it
        (tmp_path / ".arrears").mkdir()
        (tmp_path / ".arrears" / "local.json").write_text(json.dumps(cloud.describe()))
        yield cloud
