"""`make prod-local`: the production shape on one machine, to try it.

A throwaway PostgreSQL cluster, moto's S3 server, the code location server, dagster-daemon
and dagster-webserver, each its own process on 127.0.0.1, with deploy/dagster.yaml as the
instance and the store in an S3 bucket. Ctrl-C stops it all; the database goes with it.
The production tests bring up the same stack through the same class.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .demo import ROOT, SAMPLE_SHEET, say, stop_group
from .providers.sheets import seed_sheet

DEPLOY = ROOT / "deploy"
BUCKET = "shorts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(ready, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def postgres_program(name: str) -> str:
    """initdb and pg_ctl: on PATH, or where Debian's postgresql package puts them."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} was not found: install the server "
                           "(`apt-get install postgresql`, which .ci/system-packages does)")
    return found


@dataclass
class Postgres:
    """A throwaway cluster on 127.0.0.1 with a password-protected database for Dagster.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
    that Debian's package creates, in a temporary folder that user can reach.
    """

    port: int = field(default_factory=free_port)
    user: str = "dagster"
    database: str = "dagster"
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    data: Path | None = None

    def _as_owner(self):
        if os.geteuid() != 0:
            return None
        owner = pwd.getpwnam("postgres")

        def drop():
            os.setgid(owner.pw_gid)
            os.setuid(owner.pw_uid)
        return drop

    def _run(self, *args: str) -> None:
        done = subprocess.run(args, preexec_fn=self._as_owner(), capture_output=True, text=True, cwd="/")
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> Postgres:
        self.data = Path(tempfile.mkdtemp(prefix="shorts-postgres-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.data, owner.pw_uid, owner.pw_gid)
        password_file = self.data / "password"
        self._run("/bin/sh", "-c", f"umask 077; printf %s '{self.password}' > '{password_file}'")
        self._run(postgres_program("initdb"), "-D", str(self.data / "cluster"), "-U", self.user,
                  f"--pwfile={password_file}", "--auth-host=scram-sha-256", "--auth-local=trust",
                  "-E", "UTF8", "--locale=C")
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(postgres_program("pg_ctl"), "-D", str(self.data / "cluster"), "-o", options,
                  "-l", str(self.data / "server.log"), "-w", "-t", "60", "start")
        self._run(postgres_program("psql"), "-h", str(self.data), "-p", str(self.port), "-U", self.user,
                  "-d", "postgres", "-c", f"CREATE DATABASE {self.database}")
        return self

    def stop(self) -> None:
        if self.data is None:
            return
        try:
            self._run(postgres_program("pg_ctl"), "-D", str(self.data / "cluster"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.data, ignore_errors=True)
            self.data = None

    def env(self) -> dict[str, str]:
        return {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USERNAME": self.user,
                "DAGSTER_PG_PASSWORD": self.password, "DAGSTER_PG_DB": self.database}


def program(name: str) -> str:
    """A console script of this environment (dagster, dagster-daemon, moto_server...)."""
    return str(Path(sys.executable).with_name(name))


class Stack:
    """Postgres, S3 and the three Dagster processes, sharing one environment.

    Every process gets the same variables: the code server's runs and sensors load the
    instance as the daemon and webserver do, and the store's settings only matter to it.
    """

    def __init__(self, root: Path, web_port: int | None = None, extra_env: dict[str, str] | None = None,
                 instance_config: Path = DEPLOY / "dagster.yaml"):
        self.root = Path(root).resolve()
        self.instance_config = Path(instance_config)  # copied into the Dagster home: the production instance
        self.home = self.root / "dagster_home"
        self.logs = self.root / "logs"
        self.web_port = web_port or free_port()
        self.code_port = free_port()
        self.s3_port = free_port()
        self.postgres = Postgres()
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DAGSTER_HOME": str(self.home),
            **self.postgres.env(),
            "DAGSTER_COMPUTE_LOGS_BUCKET": BUCKET,
            "DAGSTER_CODE_HOST": "127.0.0.1",
            "DAGSTER_CODE_PORT": str(self.code_port),
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "AWS_ACCESS_KEY_ID": "prod-local",
            "AWS_SECRET_ACCESS_KEY": "prod-local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "SHORTS_HOME": str(self.root),
            "SHORTS_STORE": f"s3://{BUCKET}/store",
            **self.extra_env,
        }

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.instance_config, self.home / "dagster.yaml")
        self.postgres.start()
        self._spawn("s3", [program("moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_until(lambda: port_open(self.s3_port), 60, "moto's S3 server", self.processes["s3"])
        self._create_bucket()
        subprocess.run([sys.executable, "-m", "shorts_assets.pools", str(DEPLOY / "pools.yaml")],
                       env=self.env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        self._spawn("code", [program("dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(self.code_port),
                             "-m", "shorts_assets.definitions", "--location-name", "shorts_assets"])
        wait_until(lambda: port_open(self.code_port), 120, "the code server", self.processes["code"])
        self.start_daemon()
        self.start_webserver()

    def _create_bucket(self) -> None:
        import boto3

        boto3.client("s3", endpoint_url=self.s3_endpoint, region_name="us-east-1",
                     aws_access_key_id="prod-local", aws_secret_access_key="prod-local").create_bucket(Bucket=BUCKET)

    def start_daemon(self) -> None:
        self._spawn("daemon", [program("dagster-daemon"), "run", "-w", str(DEPLOY / "workspace.yaml")])

    def start_webserver(self) -> None:
        self._spawn("webserver", [program("dagster-webserver"), "-h", "127.0.0.1", "-p", str(self.web_port),
                                  "-w", str(DEPLOY / "workspace.yaml")])
        wait_until(self.web_ready, 120, "dagster-webserver", self.processes["webserver"])

    def web_ready(self) -> bool:
        with urllib.request.urlopen(f"{self.web_url}/server_info", timeout=5) as response:
            return response.status == 200

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop_group(process)

    def stop(self) -> None:
        for name in ("webserver", "daemon", "code", "s3"):
            self.stop_process(name)
        self.postgres.stop()

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child process
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)


def main() -> None:
    root = ROOT / "var" / "prod-local"
    if seed_sheet(root / "content_sheet.csv", SAMPLE_SHEET):
        say(f"seeded {root / 'content_sheet.csv'} with the sample ideas")
    with Stack(root, web_port=int(os.environ.get("PROD_LOCAL_PORT", "3000"))) as stack:
        say(f"web UI      {stack.web_url}")
        say(f"Postgres    127.0.0.1:{stack.postgres.port} (database {stack.postgres.database}, throwaway)")
        say(f"S3          {stack.s3_endpoint} (bucket {BUCKET}: store/ and compute-logs/)")
        say(f"the sheet   {root / 'content_sheet.csv'}")
        say(f"logs        {stack.logs}; Ctrl-C stops everything")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(process.poll() is None for process in stack.processes.values()):
                time.sleep(1)
            stopped = [name for name, process in stack.processes.items() if process.poll() is not None]
            say(f"{', '.join(stopped)} stopped; see {stack.logs}")
        except KeyboardInterrupt:
            say("stopping")


if __name__ == "__main__":
    main()
