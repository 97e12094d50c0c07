"""A real MediaWiki for the gadget's tests: Debian's 1.39 package, installed into a temporary
directory (SQLite database, LocalSettings.php) and served by PHP's built-in server on a
free loopback port.

Nothing is written outside the temporary directory: `install.php --confpath` puts the
settings there, and the `MW_CONFIG_FILE` environment variable (read by 1.39's entry points
and maintenance scripts) points the wiki at them instead of /etc/mediawiki. The settings are
the installer's defaults (so ResourceLoader validates gadget scripts as ES5) plus Wikimedia's
`/wiki/$1` article path and user scripts (common.js).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import free_port

MEDIAWIKI = Path("/usr/share/mediawiki")
DOCROOT = Path("/var/lib/mediawiki")  # Debian's web root: links into /usr/share/mediawiki
SETUP_SCRIPT = Path(__file__).with_name("mediawiki_setup.php")
SKINS = "Vector,MonoBook,Timeless,MinervaNeue"
ADMIN = "Admin"
ADMIN_PASSWORD = "admin-password-for-tests"  # a throw-away wiki on loopback

EXTRA_SETTINGS = """
# Added by the tests: URLs and user scripts as on Wikimedia's wikis (PHP's server hands
# /wiki/X to index.php). Everything else is what install.php wrote.
$wgArticlePath = '/wiki/$1';
$wgAllowUserJs = true;
"""


def missing() -> str | None:
    """Why a wiki cannot be set up here, or None."""
    if not (MEDIAWIKI / "maintenance" / "install.php").exists():
        return "Debian's mediawiki package is not installed"
    if shutil.which("php") is None:
        return "php-cli is not installed"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    if "pdo_sqlite" not in modules:
        return "php-sqlite3 is not installed"
    return None


@dataclass
class Timing:
    install: float = 0.0
    content: float = 0.0
    server: float = 0.0


class MediaWiki:
    """One wiki: `start()` installs and serves it, `stop()` ends the server, `cleanup()`
    removes the directory."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="outreach-helper-wiki-"))
        self.settings = self.dir / "LocalSettings.php"
        self.timing = Timing()
        self._server: subprocess.Popen[bytes] | None = None
        self._log = self.dir / "server.log"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "MW_CONFIG_FILE": str(self.settings)}

    def _php(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            ["php", *args], input=stdin, capture_output=True, text=True, env=self.env,
            cwd=self.dir, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"php {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def install(self) -> None:
        began = time.monotonic()
        self._php(
            str(MEDIAWIKI / "maintenance" / "install.php"),
            "--dbtype=sqlite", f"--dbpath={self.dir / 'db'}", f"--server={self.base_url}",
            "--scriptpath=", f"--confpath={self.dir}", f"--skins={SKINS}",
            "--extensions=Gadgets", "--pass", ADMIN_PASSWORD, "Test Wiki", ADMIN,
        )  # fmt: skip
        with self.settings.open("a", encoding="utf-8") as settings:
            settings.write(EXTRA_SETTINGS)
        self.timing.install = time.monotonic() - began

    def apply(self, plan: dict) -> str:
        """Accounts, options, edits and watchlists, in one PHP process (mediawiki_setup.php)."""
        began = time.monotonic()
        maintenance = str(MEDIAWIKI / "maintenance" / "runScript.php")
        out = self._php(
            maintenance, str(SETUP_SCRIPT), "--conf", str(self.settings), stdin=json.dumps(plan)
        )
        self.timing.content += time.monotonic() - began
        return out

    def serve(self) -> None:
        began = time.monotonic()
        env = {**self.env, "PHP_CLI_SERVER_WORKERS": "4"}
        with self._log.open("wb") as log:
            self._server = subprocess.Popen(
                ["php", "-d", "opcache.revalidate_freq=0", "-S", f"127.0.0.1:{self.port}",
                 "-t", str(DOCROOT)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.dir,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base_url}/wiki/Main_Page", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self._server.poll() is not None:
                raise RuntimeError(f"the wiki did not start: {self._log.read_text()[-2000:]}")
            time.sleep(0.1)
        self.timing.server = time.monotonic() - began

    def url(self, title: str, **query: str) -> str:
        path = f"{self.base_url}/wiki/{title.replace(' ', '_')}"
        return str(httpx.URL(path, params=query or None))

    def stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=10)
            self._server = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
