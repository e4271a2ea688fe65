"""Protocol adapters: one per OCPP version, each translating to the version-neutral charger model."""
