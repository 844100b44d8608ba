"""The outside world: AWS clients, mail, the payments bus, documents, workflows, data providers, logs and metrics."""
