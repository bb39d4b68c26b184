"""Commands that write Word documents, contact cards and rosters (registered on cli.app)."""
