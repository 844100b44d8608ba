"""Benchmarks and the AWS cost model of the daily cycle (`make bench`)."""
