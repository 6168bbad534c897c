"""Grading: functional and cosmetic grades, the workshop's own scale, a suggested outcome."""
