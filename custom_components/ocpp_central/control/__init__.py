"""The built-in charge control: the site controller and its Home Assistant inputs, around a pure core (core/)."""
