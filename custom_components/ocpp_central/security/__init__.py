"""How chargers prove who they are, kept in Home Assistant: password and profile changes, the central system's own CA."""
