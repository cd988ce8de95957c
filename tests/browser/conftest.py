"""Fixtures for the browser tests: headless Chromium, a throwaway JupyterLab, the built site.

These tests drive a real browser, so they are a separate command (`make test-browser`), not
part of `make test`: pytest collects this folder only when it is named on the command line
(`pytest tests/browser`) or when GANBOOK_BROWSER_TESTS=1.

Everything is time-bounded and everything started here is stopped in a finalizer, also when a
test fails: the JupyterLab server (its process group, then any kernel it left, found by a
marker in its environment and killed by pid), the HTTP server for the site, the browser.
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from jlab import NOTEBOOKS, REPO, wait_until

HERE = Path(__file__).resolve().parent
OUT = REPO / "test-output" / "browser"
SITE = REPO / "_build" / "html"

CHROMIUM = os.environ.get("GANBOOK_CHROMIUM", "/usr/bin/chromium")
# No browser download (offline); no background connections (they are refused, many at once).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

LAB_START_TIMEOUT = 120      # s for JupyterLab to answer /api/status
LAB_STOP_TIMEOUT = 15        # s between SIGTERM and SIGKILL


# ---------------------------------------------------------------- collection: opt-in only

def _named_here(config):
    """True if a path given on pytest's command line is this folder or inside it."""
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        p = (base / arg.split("::")[0]).resolve()
        if p == HERE or HERE in p.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    if os.environ.get("GANBOOK_BROWSER_TESTS") == "1" or _named_here(config):
        return None
    return True


# ---------------------------------------------------------------- small utilities

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def out_dir():
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


# ---------------------------------------------------------------- the browser

@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's package "
                    f"(apt-get update && apt-get install -y chromium) or set GANBOOK_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Python package playwright missing: `make test-browser` installs "
                    "the `browser` extra (pip install -e '.[browser]')")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
    except Exception:
        pw.stop()
        raise
    yield b
    try:
        b.close()
    finally:
        pw.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"ganbook_rep_{rep.when}", rep)
    return rep


@pytest.fixture
def page(browser, request):
    """A fresh page; its console errors are collected in page.ganbook_console_errors.

    When the test fails, a screenshot of the page is saved as <test>-FAILED.png.
    """
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(30_000)
    ctx.set_default_navigation_timeout(60_000)
    pg = ctx.new_page()
    pg.ganbook_console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.ganbook_console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.ganbook_console_errors.append(f"pageerror: {e}"))
    yield pg
    rep = getattr(request.node, "ganbook_rep_call", None)
    try:
        if rep is not None and rep.failed:
            OUT.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(OUT / f"{request.node.name}-FAILED.png"), timeout=15_000)
    except Exception:  # noqa: BLE001 - a failing screenshot must not hide the failure
        pass
    finally:
        ctx.close()


# ---------------------------------------------------------------- JupyterLab

class Lab:
    """A JupyterLab server on 127.0.0.1 with a random port and token, rooted in a temp folder."""

    def __init__(self, root, base, token, log):
        self.root, self.base, self.token, self.log = root, base, token, log

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, path, method="GET"):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def kernel_state(self, nb_name):
        """execution_state of the kernel of the session on nb_name (None if no session yet)."""
        for s in self.api("/api/sessions"):
            if s.get("path") == nb_name and s.get("kernel"):
                return s["kernel"]["execution_state"]
        return None

    def log_tail(self, n=60):
        try:
            return "".join(Path(self.log).read_text(errors="replace").splitlines(True)[-n:])
        except OSError:
            return ""


def _lab_config(cfg_dir, settings_dir):
    """Server config and user settings that keep JupyterLab quiet, offline and scriptable."""
    (cfg_dir).mkdir(parents=True)
    (cfg_dir / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {
            "news_url": None,                     # no announcements fetched
            "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            "extension_manager": "readonly",      # no extension index queried
            "expose_app_in_browser": True,        # window.jupyterapp: run cells by command
        },
        "ServerApp": {"open_browser": False},
    }))
    def setting(plugin, values):
        pkg, name = plugin.split(":")
        p = settings_dir / pkg / f"{name}.jupyterlab-settings"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(values))
    setting("@jupyterlab/apputils-extension:notification",
            {"fetchNews": "false", "checkForUpdates": False})
    # every cell in the DOM (no virtualised notebook), so cells can be found by index
    setting("@jupyterlab/notebook-extension:tracker", {"windowingMode": "none"})
    # no autosave: the temp copies are never written back anyway, but keep the server quiet
    setting("@jupyterlab/docmanager-extension:plugin", {"autosave": False})


def _pids_with_marker(marker):
    """Pids of live processes whose environment contains marker (our server and its kernels)."""
    pids = []
    needle = marker.encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle in (d / "environ").read_bytes():
                pids.append(int(d.name))
        except OSError:
            continue
    return pids


def _stop_lab(proc, lab, marker):
    # 1. ask the server to shut its kernels down (bounded by the request timeout)
    if lab is not None and proc.poll() is None:
        try:
            for k in lab.api("/api/kernels"):
                try:
                    lab.api(f"/api/kernels/{k['id']}", method="DELETE")
                except Exception:  # noqa: BLE001 - best effort, killed below anyway
                    pass
        except Exception:  # noqa: BLE001
            pass
    # 2. SIGTERM the server's process group, SIGKILL it if it lingers
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=LAB_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=LAB_STOP_TIMEOUT)
    # 3. kernels run in sessions of their own: kill any left, by pid, found by our marker
    for pid in _pids_with_marker(marker):
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on copies of the notebooks, in quick mode; stopped at the end, whatever happens.

    The root is a temp folder holding copies of notebooks/*.ipynb, so the repository's stored
    outputs are never touched; `ganbook` is importable because it is installed in the venv.
    """
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        shutil.copy2(nb, root / nb.name)
    _lab_config(tmp / "config", tmp / "config" / "lab" / "user-settings")

    marker = f"ganbook-browser-lab-{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    env = dict(os.environ)
    env.update({
        "GANBOOK_MODE": "quick",             # kernels inherit it: tiny budgets
        "GANBOOK_BROWSER_LAB": marker,
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "config" / "lab" / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "config" / "lab" / "workspaces"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "PYTHONUNBUFFERED": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    })
    env.pop("JUPYTER_PATH", None)
    log = tmp / "lab.log"

    proc = lab_obj = None
    last_err = ""
    for _attempt in range(3):                # a port taken between choosing and binding
        port = free_port()
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        logf = open(log, "ab")
        proc = subprocess.Popen(cmd, env=env, cwd=root, stdin=subprocess.DEVNULL,
                                stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()
        lab_obj = Lab(root, f"http://127.0.0.1:{port}", token, log)

        def up():
            if proc.poll() is not None:
                return "exited"
            try:
                lab_obj.api("/api/status")
                return "up"
            except (urllib.error.URLError, OSError):
                return None
        try:
            state = wait_until(up, LAB_START_TIMEOUT, "JupyterLab to answer /api/status")
        except BaseException:
            _stop_lab(proc, None, marker)
            raise
        if state == "up":
            break
        last_err = lab_obj.log_tail()
        _stop_lab(proc, None, marker)
        proc = None
    if proc is None:
        pytest.fail(f"JupyterLab did not start; its log ends with:\n{last_err}")

    # `timeout` (make test-browser) ends pytest with SIGTERM, which skips finalizers: stop
    # the server first, then let the signal end pytest as an interrupt
    def on_term(signum, frame):
        _stop_lab(proc, None, marker)
        raise KeyboardInterrupt(f"signal {signum}")
    old_term = signal.signal(signal.SIGTERM, on_term)
    try:
        yield lab_obj
    finally:
        signal.signal(signal.SIGTERM, old_term)
        _stop_lab(proc, lab_obj, marker)
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy2(log, OUT / "jupyterlab.log")   # kept as a test artifact


# ---------------------------------------------------------------- the built site

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a browser closing its connection early (page closed mid-request) is not an error
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site():
    """_build/html served on 127.0.0.1 at a random port from a thread; yields its base URL."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE}/index.html missing: build the site first (`make book`; "
                    "`make test-browser` does it when the site is missing or stale)")
    handler = lambda *a, **k: _QuietHandler(*a, directory=str(SITE), **k)  # noqa: E731
    srv = _QuietServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=10)
