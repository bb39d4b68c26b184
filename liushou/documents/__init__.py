"""Documents rendered from figures and records: Markdown, Word, charts, cards and rosters."""
