"""The store: the only package that knows SQL. Tables, engines, transactions, queries, migrations."""
