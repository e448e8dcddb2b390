"""`make bench`: requests/s, p50/p99 latency and server CPU per request for the hot JSON 1.1 operations.

The real server is started through the CLI (`openturk serve`) on a fresh SQLite data directory, once
with one process and once with two. Requests are signed by botocore exactly as boto3 signs them, once
per cell, and the same bytes are sent again and again on keep-alive connections by a load generator
(`wrk` when installed, otherwise bench.pyload, an asyncio raw-socket client). `/healthz` through the
same server is the baseline, so our own code's cost shows as a ratio. See docs/benchmarks.md.
"""
