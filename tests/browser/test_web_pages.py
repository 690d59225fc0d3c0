"""The browser prover's routes (zkbraid.api.web_pages) on an aiohttp test server: the page, its
scripts, the npm builds, the circuit files with their content types and caching, and 503s
without keys."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from zkbraid.api.web_pages import IMMUTABLE, NO_CACHE, PAGE_DIR, add_prover_page
from zkbraid.proving.artifacts import NODE_MODULES, CircuitKeys
from zkbraid.zk.params import DEFAULT_PARAMS

Check = Callable[[TestClient[web.Request, web.Application]], Awaitable[None]]

needs_npm = pytest.mark.skipif(
    not (NODE_MODULES / "snarkjs").is_dir() or not (NODE_MODULES / "ethers").is_dir(),
    reason="needs the npm packages (scripts/install.sh)",
)


def fake_keys(tmp_path: Path) -> CircuitKeys:
    """A circuit directory laid out as build.py makes it, with small stand-in files."""
    keys = CircuitKeys(DEFAULT_PARAMS, tmp_path / "circuit", "dev")
    keys.wasm.parent.mkdir(parents=True)
    keys.keys_dir.mkdir(parents=True)
    keys.wasm.write_bytes(b"\0asm\1\0\0\0")
    keys.zkey.write_bytes(b"zkey" + bytes(range(256)) * 64)
    keys.vkey_path.write_text(json.dumps({"protocol": "groth16", "nPublic": 3}))
    (keys.directory / "manifest.json").write_text(json.dumps({"constraints": 25000}))
    (keys.keys_dir / "keys.json").write_text(json.dumps({"insecure": True}))
    return keys


def run(keys: CircuitKeys | None, check: Check) -> None:
    async def main() -> None:
        app = web.Application()
        add_prover_page(app, keys)
        async with TestClient(TestServer(app)) as client:
            await check(client)

    asyncio.run(main())


def test_page_and_scripts(tmp_path: Path) -> None:
    async def check(client: TestClient[web.Request, web.Application]) -> None:
        r = await client.get("/prover/")
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.headers["Cache-Control"] == NO_CACHE
        assert "zkbraid browser prover" in await r.text()
        for name, kind in [
            ("app.js", "text/javascript"),
            ("worker.js", "text/javascript"),
            ("encoding.js", "text/javascript"),
            ("style.css", "text/css"),
        ]:
            r = await client.get(f"/prover/{name}")
            assert r.status == 200, name
            assert r.headers["Content-Type"].startswith(kind)
            assert await r.read() == (PAGE_DIR / name).read_bytes()

    run(fake_keys(tmp_path), check)


def test_redirect_keeps_the_query() -> None:
    async def check(client: TestClient[web.Request, web.Application]) -> None:
        r = await client.get("/prover?autostart=1", allow_redirects=False)
        assert r.status == 308
        assert r.headers["Location"] == "/prover/?autostart=1"
        r = await client.get("/prover", allow_redirects=False)
        assert r.headers["Location"] == "/prover/"

    run(None, check)


def test_circuit_files(tmp_path: Path) -> None:
    keys = fake_keys(tmp_path)

    async def check(client: TestClient[web.Request, web.Application]) -> None:
        for name, path, kind in [
            ("zk_tx.wasm", keys.wasm, "application/wasm"),
            ("zk_tx.zkey", keys.zkey, "application/octet-stream"),
            ("verification_key.json", keys.vkey_path, "application/json"),
        ]:
            r = await client.get(f"/prover/circuit/{name}")
            assert r.status == 200, name
            assert r.headers["Content-Type"] == kind
            assert r.headers["Cache-Control"] == NO_CACHE
            assert await r.read() == path.read_bytes()
            # Revalidation is a 304 without a body.
            again = await client.get(
                f"/prover/circuit/{name}", headers={"If-None-Match": r.headers["ETag"]}
            )
            assert again.status == 304

    run(keys, check)


def test_info_lists_versioned_urls_the_browser_may_keep(tmp_path: Path) -> None:
    keys = fake_keys(tmp_path)

    async def check(client: TestClient[web.Request, web.Application]) -> None:
        r = await client.get("/prover/circuit/info.json")
        assert r.status == 200
        info: dict[str, Any] = await r.json()
        assert info["available"] is True
        assert (info["keys"], info["insecure"], info["constraints"]) == ("dev", True, 25000)
        assert info["sizes"]["zkey"] == keys.zkey.stat().st_size
        for url in info["files"].values():
            r = await client.get(url)
            assert r.status == 200
            assert r.headers["Cache-Control"] == IMMUTABLE
        # A stale token (a rebuilt circuit) gets the current file, and no long-lived cache.
        r = await client.get("/prover/circuit/zk_tx.zkey?v=stale")
        assert (r.status, r.headers["Cache-Control"]) == (200, NO_CACHE)

    run(keys, check)


@needs_npm
def test_libraries(tmp_path: Path) -> None:
    async def check(client: TestClient[web.Request, web.Application]) -> None:
        for name, file in [
            ("snarkjs.min.js", NODE_MODULES / "snarkjs" / "build" / "snarkjs.min.js"),
            ("ethers.umd.min.js", NODE_MODULES / "ethers" / "dist" / "ethers.umd.min.js"),
        ]:
            r = await client.get(f"/prover/lib/{name}")
            assert r.status == 200, name
            assert r.headers["Content-Type"].startswith("text/javascript")
            assert await r.read() == file.read_bytes()
        info = await (await client.get("/prover/circuit/info.json")).json()
        assert info["libraries"]["ethers"]["version"] == "6.17.0"
        r = await client.get(info["libraries"]["snarkjs"]["url"])
        assert r.headers["Cache-Control"] == IMMUTABLE

    run(fake_keys(tmp_path), check)


def test_invalid_circuit_without_keys_is_503() -> None:
    async def check(client: TestClient[web.Request, web.Application]) -> None:
        for name in ("zk_tx.wasm", "zk_tx.zkey", "verification_key.json"):
            r = await client.get(f"/prover/circuit/{name}")
            assert r.status == 503, name
            assert "no circuit keys" in await r.text()
        r = await client.get("/prover/circuit/info.json")
        assert r.status == 503
        info = await r.json()
        assert info["available"] is False
        assert "no circuit keys" in info["reason"]
        # The page itself is still served, and says why it cannot prove.
        assert (await client.get("/prover/")).status == 200

    run(None, check)


def test_invalid_circuit_file_missing_is_503(tmp_path: Path) -> None:
    keys = fake_keys(tmp_path)
    keys.zkey.unlink()

    async def check(client: TestClient[web.Request, web.Application]) -> None:
        r = await client.get("/prover/circuit/zk_tx.zkey")
        assert r.status == 503
        assert "zk_tx.zkey is missing" in await r.text()
        assert (await client.get("/prover/circuit/info.json")).status == 503

    run(keys, check)


def test_ownership_script_and_circuit_files(tmp_path: Path) -> None:
    # the real transaction and ownership keys (built and cached by the project's build)
    from zkbraid.proving.artifacts import OWNERSHIP
    from zkbraid.proving.build import build_dev_keys

    ownership = build_dev_keys(circuit=OWNERSHIP)
    keys = build_dev_keys()

    async def check(client: TestClient[web.Request, web.Application]) -> None:
        r = await client.get("/prover/ownership.js")
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/javascript")
        for name, path in [
            ("ownership.wasm", ownership.wasm),
            ("ownership.zkey", ownership.zkey),
            ("verification_key.json", ownership.vkey_path),
        ]:
            r = await client.get(f"/prover/ownership/{name}")
            assert r.status == 200, name
            assert await r.read() == path.read_bytes()

    run(keys, check)


def test_invalid_ownership_files_without_keys_are_503() -> None:
    async def check(client: TestClient[web.Request, web.Application]) -> None:
        for name in ("ownership.wasm", "ownership.zkey", "verification_key.json"):
            r = await client.get(f"/prover/ownership/{name}")
            assert r.status == 503, name
            assert "ownership circuit keys" in await r.text()

    run(None, check)
