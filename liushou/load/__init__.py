"""Files to records: settings, child records and logs, each stamped with file and line."""
