"""Amazon WorkMail (target prefix ``WorkMailService``): one module per resource."""

from workmail_local.services.workmail import organizations  # noqa: F401  (registers handlers)
