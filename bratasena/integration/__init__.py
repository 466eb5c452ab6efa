"""Integration with other systems: registry extracts in, deactivations out to DTJateng/DTSEN."""
