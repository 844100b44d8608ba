"""Runs template.yaml on a laptop: moto for the AWS APIs, our Lambda handlers in process."""

from localcloud.moto_imports import defer_unused_services

defer_unused_services()  # before anything imports moto's Step Functions interpreter

from localcloud.cloud import LocalCloud  # noqa: E402

__all__ = ["LocalCloud"]
