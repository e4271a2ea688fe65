"""Conformance-style tests: the charger played exactly as the OCPP sequence diagrams."""
