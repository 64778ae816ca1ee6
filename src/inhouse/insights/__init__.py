"""Read-only reports across contexts: searchable lists, and the numbers behind the charts."""
