"""Runs template.yaml on a laptop: moto for the AWS APIs, our Lambda handlers in process."""

from localcloud.cloud import LocalCloud

__all__ = ["LocalCloud"]
