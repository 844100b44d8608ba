"""What every handler shares: typed settings, bounded parsing of requests, verified identity, workflow steps."""
