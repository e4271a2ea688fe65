"""Entity families that several platforms share or that belong to one subsystem (limits, the car, control)."""
