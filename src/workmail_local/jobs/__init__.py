"""Background work off the request loop: mailbox export jobs (``export``), the archive
they build (``archive``) and where it is written (``s3``)."""
