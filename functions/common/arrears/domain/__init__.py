"""Pure rules and types: money, ledger, stages, posting, compliance, strategy, letters. No AWS here."""
