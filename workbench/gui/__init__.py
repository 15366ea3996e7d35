"""The desktop app: the only Qt code in the workbench. Every Qt name comes through :mod:`.qt`."""
