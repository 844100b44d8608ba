"""The outside world: AWS clients, mail, the payments bus, documents, workflows, providers, logs."""
