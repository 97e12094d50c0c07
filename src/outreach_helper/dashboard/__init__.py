"""The upstream: the Outreach Dashboard's HTTP client and the parsing of its payloads."""
