"""The offline demo: sample Dashboard data, an upstream answered from it, and wiki pages."""
