"""Pure business rules: values in, new values or a TurkError out. No SQL, no HTTP, no clock."""
