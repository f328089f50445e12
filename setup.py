"""Packages the top-level ``prompts/`` and ``data_cards/`` into the wheel as ``musicqa/_data/``.

All other metadata is in pyproject.toml. The folders stay at the repository's top level (that is where
they are edited and reviewed); ``musicqa.resources`` finds this copy in an installed wheel.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("prompts", "data_cards")  # musicqa.resources looks for them in musicqa/_data


class BuildWithResources(build_py):
    """``build_py`` plus a copy of the shipped folders under ``<build_lib>/musicqa/_data``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders directly
            return
        for name in SHIPPED:
            dest = Path(self.build_lib) / "musicqa" / "_data" / name
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(Path(__file__).parent / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithResources})
