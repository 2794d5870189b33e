"""Tests of the alertsite-pulumi command line.

A package, so that mypy and pytest tell its conftest apart from tests/conftest.py.
"""
