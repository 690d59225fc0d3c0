"""The JavaScript client (sdk/js) in headless Chromium: sdk/js/test/index.html, served with the
@noble packages and the vectors by a local HTTP server, loads the client as ES modules (an
import map, no build step) and passes docs/spec/vectors/zk.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ZKBRAID_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(__file__).with_name("sdk_js_page.cjs")
TIMEOUT_S = 120
SERVED = ("sdk/js/", "node_modules/@noble/hashes/", "node_modules/@noble/curves/",
          "docs/spec/vectors/")  # fmt: skip
TYPES = {".js": "text/javascript; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".json": "application/json"}  # fmt: skip

pytestmark = [
    pytest.mark.integration,  # starts a browser, as the other page tests
    pytest.mark.skipif(
        shutil.which("node") is None or not (ROOT / "node_modules" / "playwright-core").is_dir(),
        reason="needs node and the npm packages (scripts/install.sh)",
    ),
]


@contextmanager
def serve() -> Iterator[str]:
    """A local HTTP server of the files under `SERVED`; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            rel = self.path.split("?")[0].lstrip("/")
            path = (ROOT / rel).resolve()
            inside = path.is_relative_to(ROOT) and rel.startswith(SERVED) and ".." not in rel
            if not inside or not path.is_file() or path.suffix not in TYPES:
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", TYPES[path.suffix])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_js_client_passes_the_vectors_in_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("ZKBRAID_CHROMIUM_VERSION") == "none":
            pytest.skip("chromium not installed (ZKBRAID_CHROMIUM_VERSION=none)")
        pytest.fail(f"{CHROMIUM} is missing: scripts/install.sh installs Debian's chromium")
    with serve() as url:
        run = subprocess.run(
            ["node", str(DRIVER), f"{url}/sdk/js/test/index.html", str(TIMEOUT_S)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=TIMEOUT_S + 60,
            check=False,
        )
    results = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert results, f"the page gave no result (exit {run.returncode}):\n{run.stdout[-4000:]}"
    result = json.loads(results[-1][len("RESULT ") :])
    assert result["failures"] == []
    assert result["checked"] > 100
    print(f"sdk/js in Chromium: {result['checked']} checks in {result['ms']:.0f} ms")
