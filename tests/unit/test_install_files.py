"""`docketd install` works from a wheel: the example config and the unit it installs ship inside the package,
as copies of the files in config/ and systemd/ that people read in the checkout. The copies must not drift."""

from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_install_files_equal_the_checkout_files() -> None:
    """The packaged copies are byte-for-byte the files in config/ and systemd/."""
    shipped = files("daemon") / "data" / "install"
    for checkout in (ROOT / "config" / "docketd.example.toml", ROOT / "systemd" / "docketd.service"):
        copy = shipped / checkout.name
        assert copy.read_bytes() == checkout.read_bytes(), (
            f"daemon/data/install/{checkout.name} differs from {checkout.relative_to(ROOT)}: copy the edited "
            f"file over the other (cp {checkout.relative_to(ROOT)} daemon/data/install/)")
