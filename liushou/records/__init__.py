"""Writing commands that keep records honest over time: history from git, closing terms, promotion."""
