"""Orders and returns: recorded sales with the classification and prices of their day."""
