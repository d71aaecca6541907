"""The audit log of who viewed or changed whose data."""
