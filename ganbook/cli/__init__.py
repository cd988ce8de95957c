from ganbook.cli.main import main

__all__ = ["main"]
