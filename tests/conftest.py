"""Shared fixtures: a local cloud built from template.yaml, and a handle on its stack.

One local cloud is deployed per test process; each test gets it back as freshly deployed
(`LocalCloud.restore`), which costs milliseconds where a deploy costs a second.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def deployed_cloud():
    from localcloud import LocalCloud

    with LocalCloud(stack_name="arrears-test") as local:
        local.snapshot()
        yield local


@pytest.fixture
def cloud(deployed_cloud):
    deployed_cloud.restore()
    yield deployed_cloud


@pytest.fixture
def stack(cloud):
    from arrears_cli.stackref import StackRef

    return StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
