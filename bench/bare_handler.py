"""The yardstick for the webhook handler: a bare Powertools HTTP API handler with the same decorators.

It verifies nothing and writes nothing, so the handler's cost over it is our own work (signature,
parsing, idempotency, the DynamoDB transaction, EventBridge), not the framework's.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

logger = Logger(service="bare")
tracer = Tracer(service="bare")
metrics = Metrics(namespace="Bare", service="bare")
app = APIGatewayHttpResolver()


@app.post("/webhooks/<provider>")
def receive(provider: str) -> dict:
    return {"received": provider}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
