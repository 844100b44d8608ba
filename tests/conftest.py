"""Shared fixtures: a local cloud built from template.yaml, and a handle on its stack.

One local cloud is deployed per test process; each test gets it back as freshly deployed
(`LocalCloud.restore`), which costs milliseconds where a deploy costs a second.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

# Property tests judge rules, not speed: on a shared, busy machine an example may take longer than
# Hypothesis's default 200 ms and fail a rule that holds.
settings.register_profile("arrears", deadline=None)
settings.load_profile("arrears")

# Four shards, not the template's sixteen: every cycle still fans out over several shards and
# gathers them, and an empty shard's page, which most tests' cycles are made of, is paid 4 times
# instead of 16 (decision 51).
TEST_PARAMETERS = {"CollectibleShards": "4"}


@pytest.fixture(scope="session")
def deployed_cloud():
    from localcloud import LocalCloud

    with LocalCloud(stack_name="arrears-test", parameters=TEST_PARAMETERS) as local:
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
