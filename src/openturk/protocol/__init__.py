"""Wire protocols: botocore's MTurk service model, JSON 1.1 parsing/serialising, SigV4."""
