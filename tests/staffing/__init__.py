"""Tests of evacplan.staffing (a package, so that its test modules have names of their own)."""
