"""Tests of issue 14: a school's repository is untrusted input that CI runs."""
