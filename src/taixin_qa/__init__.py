"""taixin-qa."""
