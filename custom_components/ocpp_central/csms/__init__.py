"""The central system proper, free of Home Assistant: the OCPP-J server, admission, the version-neutral charger model, meter parsing, events, commands and one protocol adapter per OCPP version."""
