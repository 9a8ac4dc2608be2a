"""`newsbridge serve`: the newsroom service (web page + JSON API + LibreTranslate API) in
one process that loads the models once; `newsbridge serve add-key FILE NAME` makes an API key."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError, NewsbridgeError
from .common import ConfigOpt, SetOpt, VerboseOpt, cli_errors, fail, load_cli_config, quiet_libraries

serve_app = typer.Typer(help="The newsroom service: web page, JSON API, LibreTranslate-compatible API.")

KeysOpt = Annotated[Optional[Path], typer.Option("--api-keys", metavar="FILE", help="Keys file (NAME sha256:HASH lines, made by `newsbridge serve add-key`): every request needs one of its keys.")]


@serve_app.callback(invoke_without_command=True)
@cli_errors
def serve_command(
    ctx: typer.Context,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default serve.host = 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port (default serve.port = 8080; 0 = any free port).", min=0, max=65535)] = None,
    data: Annotated[Optional[Path], typer.Option("--data", metavar="DIR", help="Where jobs and results are kept (SQLite; default serve.data).")] = None,
    api_keys: KeysOpt = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Listen on a non-local address without API keys (anyone who reaches it may use it).")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Start the service (one process; models load once, in the background)."""
    if ctx.invoked_subcommand is not None:
        return
    quiet_libraries(verbose)
    cfg = load_cli_config(config, set_)
    host = host or cfg.serve.host
    port = cfg.serve.port if port is None else port
    data_dir = data or Path(cfg.serve.data)
    if api_keys is not None and no_auth:
        raise fail("--api-keys and --no-auth contradict each other: give one", 2)
    from ..serve.keys import ApiKeys

    keys = ApiKeys.load(api_keys) if api_keys is not None else None
    if keys is None and not no_auth and not _is_loopback(host):
        raise fail(
            f"--host {host} is reachable from other machines: give --api-keys FILE (make keys with "
            f"`newsbridge serve add-key FILE NAME`), or --no-auth to let anyone in",
            2,
        )
    sock = _bind(host, port)
    import uvicorn

    from ..serve.app import build_service, create_app

    server_box: list = []
    service = build_service(cfg, data_dir, keys, stopping=lambda: bool(server_box and server_box[0].should_exit))
    # A local-only server answers only to its loopback names (no DNS rebinding).
    local_names = ["127.0.0.1", "localhost", "::1", "[::1]"] if _is_loopback(host) else None
    app = create_app(service, allowed_hosts=local_names)
    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            # The worker's grace period starts with the signal, not after uvicorn has
            # waited for open connections. From a thread: a signal handler must not wait
            # for a lock the interrupted code may hold.
            threading.Thread(target=service.worker.request_stop, daemon=True).start()
            super().handle_exit(sig, frame)

    server = Server(uvicorn.Config(
        app, log_level="info" if verbose else "warning", access_log=verbose, lifespan="on",
        # Long polls return within a second of a stop; this bounds anything else.
        timeout_graceful_shutdown=5,
    ))
    server_box.append(server)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    auth = f"API keys from {api_keys} ({len(keys)})" if keys else ("no auth (--no-auth)" if no_auth else "local only, no keys")
    typer.echo(f"newsbridge serve: listening on http://{shown}:{bound_port} ({auth}); data in {data_dir}", err=True)
    sys.stderr.flush()

    def stop_if_models_fail() -> None:
        # A server without its models would only fail every job: say so and exit instead.
        service.worker.ready.wait()
        if service.worker.load_error:
            server.should_exit = True

    threading.Thread(target=stop_if_models_fail, daemon=True).start()
    server.run(sockets=[sock])
    if service.worker.load_error:
        raise fail(f"models failed to load: {service.worker.load_error}", 3)


@serve_app.command("add-key")
@cli_errors
def add_key_command(
    file: Annotated[Path, typer.Argument(help="Keys file to add to (created, mode 600).")],
    name: Annotated[str, typer.Argument(help="Whose key it is (letters, digits, _ . @ -).")],
) -> None:
    """Make an API key for NAME: its hash goes into FILE, the key is printed once."""
    from ..serve.keys import add_key

    key = add_key(file, name)
    typer.echo(key)
    typer.echo(f"added a key for {name} to {file} (only its hash is stored: keep the key now)", err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything loads: a port in use is said at once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: not an address of this machine ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise NewsbridgeError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
