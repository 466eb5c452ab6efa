"""The business model: aggregates, their events and the rules that guard them."""
