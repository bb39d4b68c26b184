"""Writing records in: rosters and logs imported from Excel/WPS sheets, and new child records."""
