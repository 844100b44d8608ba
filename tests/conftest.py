"""Shared fixtures: a local cloud built from template.yaml, and a handle on its stack."""

from __future__ import annotations

import pytest


@pytest.fixture
def cloud():
    from localcloud import LocalCloud

    with LocalCloud(stack_name="arrears-test") as local:
        yield local


@pytest.fixture
def stack(cloud):
    from arrears_cli.stackref import StackRef

    return StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
