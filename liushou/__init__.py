"""liushou: records, checks and term reports for schools caring for left-behind children."""

__version__ = "0.1.0"
