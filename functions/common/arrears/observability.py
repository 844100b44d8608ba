"""The one Logger, Tracer and Metrics every handler uses (service name from POWERTOOLS_SERVICE_NAME)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="arrears")
tracer = Tracer(service="arrears")
metrics = Metrics(namespace="Arrears", service="arrears")
