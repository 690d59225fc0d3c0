"""LICENSES.md is current (scripts/licenses.py regenerates it from the lock files), and the
default install holds no GPL-only package: none in Python or Rust, and in npm only the reviewed
circuit tools (scripts/licenses.py's NPM_GPL_REVIEWED)."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "licenses.py"


def _licenses() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zkbraid_licenses", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_licenses_md_is_current() -> None:
    lic = _licenses()
    assert lic.OUT.read_text() == lic.render(), "run .venv/bin/python scripts/licenses.py"


def test_no_gpl_in_the_default_install() -> None:
    lic = _licenses()
    python, crates, npm = lic.python_packages(), lic.crates(), lic.npm_packages()
    assert not [r for r in python + crates if lic.is_gpl(r[2])]
    assert "groth16py" not in {name for name, _, _ in python}
    assert "maturin" in {name for name, _, _ in python}
    assert {"ark-groth16", "ark-bn254", "pyo3", "rayon"} <= {name for name, _, _ in crates}
    assert {name for name, _, lic_ in npm if lic.is_gpl(lic_)} == lic.NPM_GPL_REVIEWED
    assert not [r for r in python + crates + npm if "UNKNOWN" in r[2]]


def test_gpl_detection() -> None:
    lic = _licenses()
    assert lic.is_gpl("GPL-3.0") and lic.is_gpl("AGPL-3.0-only") and lic.is_gpl("GPL-3.0-or-later")
    assert not lic.is_gpl("LGPL-3.0") and not lic.is_gpl("MIT OR GPL-2.0")
    assert not lic.is_gpl("MIT") and not lic.is_gpl("Apache-2.0 WITH LLVM-exception")
