"""Config subentry and options flows: chargers, id tags and the central system's options."""
