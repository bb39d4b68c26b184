"""Built-in report templates; a school overrides one with a file of the same name."""
