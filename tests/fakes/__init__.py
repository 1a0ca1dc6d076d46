"""Faithful local fakes of remote services, driven by the real client libraries in tests."""
