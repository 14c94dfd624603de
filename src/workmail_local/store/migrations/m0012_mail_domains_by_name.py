"""Mail domains by name: RegisterMailDomain asks which other organization has a domain."""

STATEMENTS = [
    "CREATE INDEX mail_domains_by_domain ON mail_domains (domain)",
]
