"""The `arrears` command groups, one module each; arrears_cli.main puts them together."""
