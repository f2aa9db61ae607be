"""A small KFP v2beta1 API stand-in on 127.0.0.1 for tests and offline demos — not a cluster.

It implements only the endpoints paperline's submit/upload/schedule/runs use, keeps state in
memory, and validates every request body by deserialising it into the `kfp-server-api` models
(V2beta1Run, V2beta1RecurringRun, V2beta1Experiment) with client-side validation on, plus the
checks a real backend makes that the models cannot (a pipeline spec or version reference is present,
the cron has six fields). A rejected body gets HTTP 400 with the reason, as the real server answers.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PREFIX = "/apis/v2beta1"


class _Resp:
    def __init__(self, data):
        self.data = data


def validate_model(body: dict, model: str):
    """Deserialise `body` into a kfp_server_api model; raises ValueError on a type/enum mismatch."""
    import kfp_server_api

    if not isinstance(body, dict):
        raise ValueError(f"body is not a JSON object for {model}")
    cls = getattr(kfp_server_api, model)
    for field, typ in cls.openapi_types.items():  # enums: the generated models do not check them
        enum = getattr(kfp_server_api, typ, None)
        allowed = getattr(enum, "allowable_values", None)
        if allowed and field in body and body[field] not in allowed:
            raise ValueError(f"{model}.{field}: {body[field]!r} is not one of {', '.join(allowed)}")
    try:
        obj = kfp_server_api.ApiClient().deserialize(_Resp(json.dumps(body)), model)
    except Exception as e:  # noqa: BLE001 - ApiException, AttributeError, TypeError from the models
        raise ValueError(f"body is not a valid {model}: {str(e).splitlines()[-1] or e}") from None
    if obj is None:
        raise ValueError(f"body is not a {model}")
    return obj


def _now():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class KfpStub:
    def __init__(self):
        self.experiments: dict[str, dict] = {}
        self.runs: dict[str, dict] = {}
        self.recurring: dict[str, dict] = {}
        self.pipelines: dict[str, dict] = {}
        self.versions: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def _send(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def do_GET(self):
                stub.requests.append(("GET", self.path))
                code, obj = stub.get(urlparse(self.path))
                self._send(code, obj)

            def do_POST(self):
                stub.requests.append(("POST", self.path))
                try:
                    code, obj = stub.post(urlparse(self.path), self._body(), self.headers.get("Content-Type", ""))
                except ValueError as e:
                    code, obj = 400, {"error_message": str(e), "code": 3}
                self._send(code, obj)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- routes ------------------------------------------------------------------------------
    def get(self, url):
        path, q = url.path, parse_qs(url.query)
        if path == f"{PREFIX}/healthz":
            return 200, {"multi_user": False}
        for name, store, key in (("experiments", self.experiments, "experiments"), ("runs", self.runs, "runs"),
                                 ("recurringruns", self.recurring, "recurringRuns"),
                                 ("pipelines", self.pipelines, "pipelines")):
            if path == f"{PREFIX}/{name}":
                items = list(store.values())
                flt = q.get("filter", [""])[0]
                m = re.search(r'"(?:string_value|stringValue)":\s*"([^"]*)"', flt) if flt else None
                if m:
                    items = [i for i in items if i.get("display_name") == m.group(1)]
                if "experiment_id" in q:
                    items = [i for i in items if i.get("experiment_id") == q["experiment_id"][0]]
                return 200, {key: items, "total_size": len(items)}
            if path.startswith(f"{PREFIX}/{name}/"):
                ident = path.rsplit("/", 1)[1]
                if ident in store:
                    return 200, store[ident]
                return 404, {"error_message": f"{name[:-1]} {ident} not found", "code": 5}
        m = re.fullmatch(rf"{PREFIX}/pipelines/([^/]+)/versions", path)
        if m:
            items = [v for v in self.versions.values() if v["pipeline_id"] == m.group(1)]
            return 200, {"pipeline_versions": items, "total_size": len(items)}
        return 404, {"error_message": f"no route {path}", "code": 5}

    @staticmethod
    def _store(store: dict, id_key: str, body: dict, **fields) -> tuple[int, dict]:
        item = {**body, id_key: str(uuid.uuid4()), "created_at": _now(), **fields}
        store[item[id_key]] = item
        return 200, item

    def post(self, url, raw: bytes, ctype: str):
        path, q = url.path, parse_qs(url.query)
        body = {} if ctype.startswith("multipart") else json.loads(raw or b"{}")  # bad JSON -> 400
        if path == f"{PREFIX}/experiments":
            validate_model(body, "V2beta1Experiment")
            if not body.get("display_name"):
                raise ValueError("experiment needs a display_name")
            return self._store(self.experiments, "experiment_id", body, storage_state="AVAILABLE")
        if path == f"{PREFIX}/runs":
            validate_model(body, "V2beta1Run")
            self._check_pipeline(body)
            if body.get("experiment_id") and body["experiment_id"] not in self.experiments:
                raise ValueError(f"experiment {body['experiment_id']} does not exist")
            return self._store(self.runs, "run_id", body, state="PENDING", storage_state="AVAILABLE")
        if path == f"{PREFIX}/recurringruns":
            validate_model(body, "V2beta1RecurringRun")
            self._check_pipeline(body)
            cron = ((body.get("trigger") or {}).get("cron_schedule") or {}).get("cron", "")
            if len(cron.split()) != 6:
                raise ValueError(f"cron must have 6 fields (seconds first), got {cron!r}")
            return self._store(self.recurring, "recurring_run_id", body, status="ENABLED")
        if path in (f"{PREFIX}/pipelines/upload", f"{PREFIX}/pipelines/upload_version"):
            spec = self._uploaded_spec(raw, ctype)
            if path.endswith("/upload"):
                name = q.get("name", [spec["pipelineInfo"]["name"]])[0]
                pipe = {"pipeline_id": str(uuid.uuid4()), "display_name": name, "created_at": _now()}
                self.pipelines[pipe["pipeline_id"]] = pipe
                pid, vname = pipe["pipeline_id"], name
            else:
                pid = q.get("pipelineid", [""])[0]
                if pid not in self.pipelines:
                    raise ValueError(f"pipeline {pid!r} does not exist")
                vname = q.get("name", [f"v{len(self.versions) + 1}"])[0]
            ver = {"pipeline_id": pid, "pipeline_version_id": str(uuid.uuid4()), "display_name": vname,
                   "created_at": _now(), "pipeline_spec": spec}
            self.versions[ver["pipeline_version_id"]] = ver
            return 200, self.pipelines[pid] if path.endswith("/upload") else ver
        return 404, {"error_message": f"no route {path}", "code": 5}

    def _check_pipeline(self, body):
        ref = body.get("pipeline_version_reference") or {}
        if not body.get("pipeline_spec") and not ref.get("pipeline_version_id"):
            raise ValueError("a run needs pipeline_spec or pipeline_version_reference")
        spec = body.get("pipeline_spec")
        if spec is not None and "pipelineInfo" not in spec and "pipeline_spec" not in spec:
            raise ValueError("pipeline_spec is not a compiled KFP pipeline (no pipelineInfo)")

    @staticmethod
    def _uploaded_spec(raw: bytes, ctype: str) -> dict:
        import yaml

        m = re.search(r"boundary=(.+)", ctype)
        if not m:
            raise ValueError("upload must be multipart/form-data")
        for part in raw.split(b"--" + m.group(1).strip('"').encode()):
            if b"uploadfile" in part.split(b"\r\n\r\n", 1)[0]:
                content = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
                spec = next(yaml.safe_load_all(content.decode()))
                if not isinstance(spec, dict) or "pipelineInfo" not in spec:
                    raise ValueError("uploaded file is not a compiled KFP pipeline")
                return spec
        raise ValueError("multipart body has no 'uploadfile' part")


def main():  # pragma: no cover - `python tests/support/kfp_stub.py` for trying the CLI by hand
    import time

    stub = KfpStub()
    print(f"KFP v2beta1 stand-in listening on {stub.start(8888)} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
