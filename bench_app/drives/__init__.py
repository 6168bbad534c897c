"""Laptops and drives: inventory, health, and certified erasure (NIST SP 800-88 Rev. 1)."""
