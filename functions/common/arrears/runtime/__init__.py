"""What every handler shares: typed settings, bounded parsing, verified identity, workflow steps."""
