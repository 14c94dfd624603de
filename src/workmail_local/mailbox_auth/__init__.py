"""Mailbox authentication: how a mailbox user's credentials are checked.

``passwords`` holds the WorkMail-directory password policy and the argon2id hashing
every stored password goes through; nothing here keeps or logs a password in clear.
"""
