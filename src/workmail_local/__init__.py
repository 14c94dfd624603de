"""WorkMail Local: a wire-compatible, self-hostable Amazon WorkMail API."""

__version__ = "0.1.0"
