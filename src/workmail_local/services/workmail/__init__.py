"""Amazon WorkMail (target prefix ``WorkMailService``): one module per resource.

Every module here is imported at start-up (see ``services.load_handlers``).
"""
