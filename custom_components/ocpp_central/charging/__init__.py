"""Smart charging: one engine per charger that turns wanted limits into charging profiles, learning each charger's quirks."""
