"""Reference vectors shared by the tests (frozen JSON and the scripts that make them)."""
