"""The stale-while-revalidate engine and the stores it keeps entries in."""
