"""The browser prover's page (issue 4), served by the node next to its JSON-RPC.

    GET /prover                              308 to /prover/ (the query string kept)
    GET /prover/                             web/prover/index.html
    GET /prover/{app,worker,encoding}.js     the page's scripts, and style.css
    GET /prover/lib/snarkjs.min.js           the pinned npm builds (node_modules), as the
    GET /prover/lib/ethers.umd.min.js        page loads them: no build step, no CDN
    GET /prover/circuit/zk_tx.wasm           the node's circuit: witness generator,
    GET /prover/circuit/zk_tx.zkey           proving key,
    GET /prover/circuit/verification_key.json  verification key,
    GET /prover/circuit/info.json            and what the page needs to know about them
    GET /prover/ownership.js                 ownership proofs in the browser (docs/hybrid.md),
    GET /prover/ownership/ownership.{wasm,zkey}  with the ownership circuit's files
    GET /prover/ownership/verification_key.json  (503 while its keys are not built)

Without circuit keys (a node started without proving) the circuit routes answer 503 with a
message saying so; the page shows it.

Caching: every file has an ETag (aiohttp's, from size and modification time), so a reload
revalidates with a cheap 304 (`Cache-Control: no-cache`). The big files (the circuit, the
libraries) are also offered under a versioned URL, `?v=<token>` with the token listed in
info.json and derived from the same size and time, which the browser may keep for a year
(`immutable`): a rebuilt circuit gets a new token, so a cached proving key is never stale.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from zkbraid.proving.artifacts import NODE_MODULES, OWNERSHIP, REPO_ROOT, CircuitKeys, find_keys
from zkbraid.proving.errors import ArtifactsMissing

PAGE_DIR = REPO_ROOT / "web" / "prover"
PREFIX = "/prover"

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

JS = "text/javascript; charset=utf-8"

# The page's own files: (name, content type).
PAGE_FILES = (
    ("app.js", JS),
    ("worker.js", JS),
    ("encoding.js", JS),
    ("ownership.js", JS),
    ("style.css", "text/css; charset=utf-8"),
)
# The npm builds the page loads: route name -> (package, file in the package).
LIBRARIES = {
    "snarkjs.min.js": ("snarkjs", "build/snarkjs.min.js"),
    "ethers.umd.min.js": ("ethers", "dist/ethers.umd.min.js"),
}
# The circuit's files under /prover/circuit/ (see `_circuit_files`).
CIRCUIT_FILES = ("zk_tx.wasm", "zk_tx.zkey", "verification_key.json")
NO_KEYS = (
    "this node has no circuit keys, so its browser prover cannot prove: build the development "
    "keys (python -m zkbraid.proving.build) and restart the node with proving enabled"
)


def version_token(path: Path) -> str:
    """The version of a file as the versioned URLs carry it: its size and modification time
    (what the ETag is made of), in hex."""
    st = path.stat()
    return f"{st.st_size:x}-{st.st_mtime_ns:x}"


def _unavailable(message: str) -> web.Response:
    return web.Response(status=503, text=message + "\n", headers={"Cache-Control": NO_CACHE})


def _serve(path: Path, content_type: str, missing: str, *, versioned: bool = False) -> Handler:
    """A handler serving one file; 503 with `missing` when the file is not there."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            token = version_token(path)
        except OSError:
            return _unavailable(f"{missing} ({path.name} is missing)")
        fresh = versioned and request.query.get("v") == token
        headers = {
            "Content-Type": content_type,
            "Cache-Control": IMMUTABLE if fresh else NO_CACHE,
            "X-Content-Type-Options": "nosniff",
        }
        return web.FileResponse(path, headers=headers)

    return handler


def _library_path(package: str, file: str) -> Path:
    return NODE_MODULES / package / file


def _library_version(package: str) -> str | None:
    try:
        manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return str(version) if version is not None else None


def _circuit_files(keys: CircuitKeys) -> dict[str, tuple[str, Path, str]]:
    """Route name -> (info key, file, content type) of the circuit's artifacts."""
    name = keys.circuit.name
    return {
        f"{name}.wasm": ("wasm", keys.wasm, "application/wasm"),
        f"{name}.zkey": ("zkey", keys.zkey, "application/octet-stream"),
        "verification_key.json": ("vkey", keys.vkey_path, "application/json"),
    }


def _ownership_routes(router: web.UrlDispatcher, keys: CircuitKeys | None) -> None:
    """The ownership circuit's files under /prover/ownership/, from the keys built beside the
    transaction circuit's (503 until they are)."""
    missing = (
        "this node has no ownership circuit keys: build them (python -m zkbraid.proving.build"
        " --circuit ownership)"
    )
    ownership = None
    if keys is not None:
        try:
            ownership = find_keys(keys.params, keys.keys_name, OWNERSHIP)
        except ArtifactsMissing:
            ownership = None
    for name in ("ownership.wasm", "ownership.zkey", "verification_key.json"):
        if ownership is None:

            async def unavailable(request: web.Request) -> web.StreamResponse:
                return _unavailable(missing)

            router.add_get(f"{PREFIX}/ownership/{name}", unavailable)
    if ownership is not None:
        for name, (_, path, content_type) in _circuit_files(ownership).items():
            handler = _serve(path, content_type, missing, versioned=True)
            router.add_get(f"{PREFIX}/ownership/{name}", handler)


def circuit_info(keys: CircuitKeys | None) -> dict[str, Any]:
    """What the page shows and fetches: whether this node can prove, the keys, and the
    versioned URLs of the circuit and the libraries."""
    info: dict[str, Any] = {"available": False, "libraries": {}, "files": {}, "sizes": {}}
    for name, (package, file) in LIBRARIES.items():
        path = _library_path(package, file)
        if path.is_file():
            info["libraries"][package] = {
                "version": _library_version(package),
                "url": f"{PREFIX}/lib/{name}?v={version_token(path)}",
            }
    if keys is None:
        info["reason"] = NO_KEYS
        return info
    for name, (key, path, _) in _circuit_files(keys).items():
        if not path.is_file():
            info["reason"] = f"{NO_KEYS} ({path.name} is missing)"
            return info
        info["files"][key] = f"{PREFIX}/circuit/{name}?v={version_token(path)}"
        info["sizes"][key] = path.stat().st_size
    info["available"] = True
    info["keys"] = keys.keys_name
    info["digest"] = keys.directory.name
    try:
        info["insecure"] = keys.insecure
        info["constraints"] = keys.n_constraints
    except (OSError, ValueError, KeyError):
        pass  # the manifests are informative only; the files above are what proving needs
    return info


def add_prover_page(app: web.Application, keys: CircuitKeys | None) -> None:
    """Registers the browser prover's routes (module docstring) on the node's HTTP app."""
    router = app.router
    broken = "the browser prover's files are not installed with this node"

    async def redirect(request: web.Request) -> web.StreamResponse:
        target = f"{PREFIX}/" + (f"?{request.query_string}" if request.query_string else "")
        raise web.HTTPPermanentRedirect(target)

    router.add_get(PREFIX, redirect)
    router.add_get(
        f"{PREFIX}/", _serve(PAGE_DIR / "index.html", "text/html; charset=utf-8", broken)
    )
    for name, content_type in PAGE_FILES:
        router.add_get(f"{PREFIX}/{name}", _serve(PAGE_DIR / name, content_type, broken))

    no_npm = "the npm packages are not installed (run scripts/install.sh)"
    for name, (package, file) in LIBRARIES.items():
        path = _library_path(package, file)
        router.add_get(f"{PREFIX}/lib/{name}", _serve(path, JS, no_npm, versioned=True))

    async def info(request: web.Request) -> web.StreamResponse:
        body = circuit_info(keys)
        return web.json_response(
            body, status=200 if body["available"] else 503, headers={"Cache-Control": NO_CACHE}
        )

    router.add_get(f"{PREFIX}/circuit/info.json", info)
    _ownership_routes(router, keys)
    if keys is None:

        async def no_keys(request: web.Request) -> web.StreamResponse:
            return _unavailable(NO_KEYS)

        for name in CIRCUIT_FILES:
            router.add_get(f"{PREFIX}/circuit/{name}", no_keys)
        return
    for name, (_, path, content_type) in _circuit_files(keys).items():
        router.add_get(
            f"{PREFIX}/circuit/{name}", _serve(path, content_type, NO_KEYS, versioned=True)
        )


__all__ = ["PAGE_DIR", "add_prover_page", "circuit_info", "version_token"]
