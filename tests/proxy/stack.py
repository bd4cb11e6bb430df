"""gunicorn with config/gunicorn.py behind Debian's nginx running deploy/nginx's template, each on
free ports of 127.0.0.1 in a directory of its own, and clients that connect from other loopback
addresses (127.0.0.2, ...): only this machine's loopback, nothing else is ever contacted."""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from .deployment import ROOT, SELF_SIGNED_CERT, render_nginx_template

HOST = "127.0.0.1"
START_TIMEOUT = 90
REQUEST_TIMEOUT = 30


def nginx_binary() -> str:
    """Debian's nginx sits in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin") or "nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _main_config(prefix: Path) -> str:
    """What the official image's /etc/nginx/nginx.conf does around conf.d/default.conf, with
    every path in the test's own directory."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may read the temp files
    return f"""{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/default.conf;
}}
"""


@dataclass
class Stack:
    """Start with start(); stop() kills every process it started, whatever happened."""

    directory: Path
    database_url: str
    redis_url: str
    nginx: str
    app_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def app_log(self) -> Path:
        return self.directory / "gunicorn.log"

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    def start(self, app: bool = True) -> None:
        """nginx, and gunicorn behind it unless app=False (nothing listens on app_port: nginx
        answers 502 Bad Gateway)."""
        if app:
            self._start_gunicorn()
        self._start_nginx()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args!r} exited:\n{self.logs()}")
            try:
                if Client(self, HOST).get("/healthz").status == (200 if app else 502):
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"not serving after {START_TIMEOUT} s:\n{self.logs()}")

    def _start_gunicorn(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "tests.proxy.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "TRUSTED_PROXY_HOPS": "1",  # as docker-compose.yml passes it
            "PROXY_TEST_CACHE_PREFIX": f"proxy-test-{uuid.uuid4().hex}",
            "GUNICORN_BIND": f"{HOST}:{self.app_port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "DJANGO_LOG_LEVEL": "INFO",
        }
        self._spawn(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            env=env,
            log=self.app_log,
        )

    def _start_nginx(self) -> None:
        prefix = self.directory / "nginx"
        certs = prefix / "certs"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / name).mkdir(parents=True, exist_ok=True)
        # The documented command for a trial certificate (deploy/certs/README.md): openssl.
        subprocess.run(
            ["bash", str(SELF_SIGNED_CERT), HOST, str(certs), "1"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        (prefix / "default.conf").write_text(
            render_nginx_template(
                {
                    "NGINX_LISTEN_HTTP": f"{HOST}:{self.http_port}",
                    "NGINX_LISTEN_HTTPS": f"{HOST}:{self.https_port}",
                    "NGINX_PUBLIC_HTTPS_PORT": str(self.https_port),
                    "NGINX_UPSTREAM": f"{HOST}:{self.app_port}",
                    "NGINX_TLS_DIR": str(certs),
                    "NGINX_ACCESS_LOG": str(self.access_log),
                }
            )
        )
        (prefix / "nginx.conf").write_text(_main_config(prefix))
        command = [self.nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        command += ["-e", str(prefix / "error.log")]
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        if tested.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered template:\n{tested.stderr}")
        self._spawn(command, env=dict(os.environ), log=self.directory / "nginx.out")

    def _spawn(self, command: list[str], env: dict[str, str], log: Path) -> None:
        with open(log, "wb") as out:
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # one process group each: master and workers
                )
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            try:  # workers left behind by a master that died first
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def logs(self) -> str:
        parts = []
        for path in (
            self.app_log,
            self.directory / "nginx.out",
            self.directory / "nginx/error.log",
        ):
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One machine: its own loopback address and cookie jar, HTTPS to the proxy (a new
    connection per request, as from many machines)."""

    def __init__(self, stack: Stack, address: str):
        self.stack = stack
        self.address = address
        self.cookies: dict[str, str] = {}
        self.tls = ssl.create_default_context()
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.stack.https_port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
    ) -> Response:
        source = (self.address, 0)
        connection: http.client.HTTPConnection
        if https:
            connection = http.client.HTTPSConnection(
                HOST,
                self.stack.https_port,
                timeout=REQUEST_TIMEOUT,
                source_address=source,
                context=self.tls,
            )
        else:
            connection = http.client.HTTPConnection(
                HOST, self.stack.http_port, timeout=REQUEST_TIMEOUT, source_address=source
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        for line in response.header("Set-Cookie"):
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> Response:
        """A form as the browser sends it: the CSRF token, the Origin of the page."""
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self.request(
            "POST",
            path,
            body=urlencode({**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
                **(headers or {}),
            },
        )

    def post_json(self, path: str, data: dict) -> Response:
        return self.request(
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )
