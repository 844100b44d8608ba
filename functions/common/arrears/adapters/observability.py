"""The one Logger, Tracer and Metrics every handler uses, and the decorator stack they all carry."""

from collections.abc import Callable

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="arrears")
tracer = Tracer(service="arrears")
metrics = Metrics(namespace="Arrears", service="arrears")


def instrumented(correlation_id_path: str) -> Callable[[Callable], Callable]:
    """Logs with the Lambda context and a correlation id, flushes metrics, traces the call."""

    def decorate(handler: Callable) -> Callable:
        traced = tracer.capture_lambda_handler(handler)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(
            metrics.log_metrics(traced)
        )

    return decorate
