"""An identity store's network configuration (UpdateIdentityStore), as JSON; NULL until first set."""

STATEMENTS = [
    "ALTER TABLE idc_instances ADD COLUMN network_configuration TEXT",
]
