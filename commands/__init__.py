"""Groups of `alliances` commands beyond the core ones in cli.py; each module lists its click commands in COMMANDS."""
