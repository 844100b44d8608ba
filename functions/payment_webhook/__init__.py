"""Payment processors' webhooks: verified, normalised, posted to the ledger exactly once."""
