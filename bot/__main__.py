"""Run modelbot as ``python -m modelbot``."""

from modelbot.cli import main

if __name__ == "__main__":
    main()
