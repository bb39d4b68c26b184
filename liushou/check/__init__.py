"""Findings about a repository: the cross-file rules, the check result and its reporters."""
