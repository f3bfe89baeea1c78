"""A throwaway PostgreSQL server for the tests and the scale benchmark: `initdb` into a temporary
folder, `pg_ctl start` on 127.0.0.1 and a free port, a random password, removed on `stop()`.

initdb and pg_ctl refuse to run as root, so as root they run as an unprivileged user (the
`postgres` account Debian's package creates, else `nobody`)."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install it with: sudo apt-get install -y postgresql"
UNPRIVILEGED = ("postgres", "nobody")
SUPERUSER = "wikishelf"


class ServerUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or the server would not start (the message says which)."""


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<n>/bin with initdb and pg_ctl, else pg_ctl on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayServer:
    def __init__(self, bin_dir: Path | None = None):
        self.bin_dir = bin_dir or find_bin_dir()
        if self.bin_dir is None:
            raise ServerUnavailable(f"PostgreSQL's server binaries are not installed; {INSTALL_HINT}")
        self.password = secrets.token_urlsafe(16)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="wikishelf-pg-"))
        self.data = self.root / "data"
        self._user = self._run_as()

    @staticmethod
    def _run_as() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        for name in UNPRIVILEGED:
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
        raise ServerUnavailable("running as root and no unprivileged user (postgres, nobody) "
                                "to run PostgreSQL as")

    def _cmd(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        user = self._user
        kwargs = {} if user is None else {"user": user.pw_uid, "group": user.pw_gid,
                                          "extra_groups": []}
        return subprocess.run([str(self.bin_dir / args[0]), *args[1:]], capture_output=True,
                              text=True, timeout=timeout, cwd=self.root, **kwargs)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServerUnavailable(f"PostgreSQL {what} failed: {detail[0]}")

    def start(self) -> ThrowawayServer:
        """initdb (first time only), then start and wait until it accepts connections."""
        if not self.data.exists():
            self.root.chmod(0o755)
            pwfile = self.root / "pw"
            pwfile.write_text(self.password + "\n")
            if self._user is not None:
                os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
                os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
            self._check(self._cmd("initdb", "-D", str(self.data), "-U", SUPERUSER,
                                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                                  "--locale=C", "--no-sync"), "initdb")
            pwfile.unlink()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                   "-c max_connections=200 -c fsync=on")
        self._check(self._cmd("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                              str(self.root / "log"), "-w", "-t", "60", "start"), "start")
        return self

    def halt(self) -> None:
        """Stop the server, keeping its data (a database that goes away and comes back)."""
        self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        """Stop and remove everything."""
        if self.data.exists():
            self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its connection string."""
        import asyncpg

        conn = await asyncpg.connect(self.dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.dsn(name)

    def __enter__(self) -> ThrowawayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
