"""The Établi stick (Debian live image): build.py builds it; config/ is what it carries."""
