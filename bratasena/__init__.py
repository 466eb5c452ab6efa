"""Bratasena: complaints about well-off aid recipients, their investigation, and deactivation."""
