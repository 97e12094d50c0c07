"""The maintainer's history: counts per step, kept by the service itself (issue 18)."""
