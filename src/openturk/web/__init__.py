"""HTTP front ends: each only translates between its wire format and the operations."""
