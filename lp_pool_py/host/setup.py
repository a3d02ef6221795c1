"""Build step for lp-pool-host: the stubs' single source is lp_pool_py/lp_pool/__init__.pyi (next to
the package they describe); the wheel gets it as lp_pool-stubs/__init__.pyi (PEP 561), copied at
build time so the repository never holds a second copy. The version is lp-pool's one version, read
from usermod/lp_pool/lp_version.h. Everything else is in pyproject.toml."""

import re
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
STUB = HERE.parent / "lp_pool" / "__init__.pyi"
STUBS_PACKAGE = "lp_pool-stubs"
VERSION_H = HERE.parents[1] / "usermod" / "lp_pool" / "lp_version.h"


def lp_version() -> str:
    if not VERSION_H.is_file():
        raise SystemExit(
            f"{VERSION_H} is missing: build lp-pool-host from an lp-pool checkout (make host-wheel)"
        )
    return re.search(r'#define LP_POOL_VERSION "([^"]+)"', VERSION_H.read_text()).group(1)


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        if not STUB.is_file():
            raise SystemExit(
                f"{STUB} is missing: build lp-pool-host from an lp-pool checkout (make host-wheel)"
            )
        target = Path(self.build_lib) / STUBS_PACKAGE
        target.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(STUB), str(target / "__init__.pyi"))

    def get_outputs(self, include_bytecode=True):
        return [
            *super().get_outputs(include_bytecode),
            str(Path(self.build_lib) / STUBS_PACKAGE / "__init__.pyi"),
        ]


setup(version=lp_version(), cmdclass={"build_py": BuildWithStubs})
