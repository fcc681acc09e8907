"""`env --json --model`: can this machine load the base model? A folder, a hub id in the Hugging Face cache, and a
hub id the hub must serve when the hub cannot be reached (HF_ENDPOINT at a closed local port, so the answer does not
depend on this machine's network) and when a stand-in for huggingface.co answers (public, unknown, gated with and
without access, a bad token), and the shared reading of what is a path that `resolve_model_dir` uses."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from huggingface_hub import constants

from conftest import trainer_env
from pixtune_trainer.model_source import as_local_path, check_model_source
from pixtune_trainer.modeling import ModelError, resolve_model_dir

REPO_ID = "pixtune-test/Tiny-Vision-0.01B"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once


def hub_cache(root: Path, repo_id: str, weights: bool = True) -> Path:
    """The hub cache layout huggingface_hub documents: models--org--name/{refs/main, snapshots/<commit>/...}."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = root / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (snapshot / "config.json").write_text(json.dumps({"model_type": "mistral3"}))
    if weights:
        (snapshot / "model.safetensors").write_bytes(b"\0" * 8)
    return snapshot


def probe(model: str, **env: str) -> dict:
    """The trainer's CLI as the backends run it (a separate process, so HF_HOME and friends are read at import)."""
    out = subprocess.run(
        [sys.executable, "-m", "pixtune_trainer", "env", "--json", "--model", model],
        env={**trainer_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["model_source"]


def test_a_model_folder_is_ok_a_folder_without_config_or_a_missing_path_is_not(
    tiny_mistral3: Path, tmp_path: Path
) -> None:
    assert check_model_source(str(tiny_mistral3)) | {"detail": ""} == {"kind": "local-dir", "ok": True, "detail": ""}
    empty = tmp_path / "empty"
    empty.mkdir()
    r = check_model_source(str(empty))
    assert (r["kind"], r["ok"]) == ("not-a-model", False)
    assert "no config.json" in r["detail"]
    (empty / "params.json").write_text("{}")  # Mistral's own format: said as such
    r = check_model_source(str(empty))
    assert (r["kind"], r["ok"]) == ("unsupported-format", False) and "params.json" in r["detail"]
    for missing in (str(tmp_path / "nope"), "./nope-model", "~/nope-model-for-pixtune"):
        r = check_model_source(missing)
        assert (r["kind"], r["ok"]) == ("missing", False), missing
        assert "does not exist" in r["detail"]
    r = check_model_source("not a hub id")
    assert (r["kind"], r["ok"]) == ("not-found", False)


def test_resolve_model_dir_reads_paths_as_the_probe_does(tiny_mistral3: Path) -> None:
    assert resolve_model_dir(str(tiny_mistral3)) == tiny_mistral3
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model_dir("~/nope-model-for-pixtune")
    assert as_local_path("mistralai/Pixtral-12B-2409") is None
    assert as_local_path("/models/pixtral") == Path("/models/pixtral")


def test_a_hub_id_in_the_hf_cache_needs_no_hub(tmp_path: Path) -> None:
    snapshot = hub_cache(tmp_path / "hf" / "hub", REPO_ID)
    # HF_HOME as users set it; the hub closed, so only the cache can answer.
    r = probe(REPO_ID, HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=CLOSED)
    assert (r["kind"], r["ok"]) == ("hub-cache", True), r
    assert str(snapshot) in r["detail"]
    # HF_HUB_CACHE wins over HF_HOME, as in huggingface_hub; a cache with the config but no weights is not enough.
    partial = tmp_path / "partial"
    hub_cache(partial, REPO_ID, weights=False)
    r = probe(REPO_ID, HF_HOME=str(tmp_path / "hf"), HF_HUB_CACHE=str(partial), HF_ENDPOINT=CLOSED)
    assert (r["kind"], r["ok"]) == ("unreachable", False), r


def test_a_hub_id_not_cached_is_unreachable_without_the_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(constants, "ENDPOINT", CLOSED)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    r = check_model_source(REPO_ID)
    assert (r["kind"], r["ok"]) == ("unreachable", False), r
    assert CLOSED in r["detail"] and REPO_ID in r["detail"] and "cannot be reached" in r["detail"]
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    r = check_model_source(REPO_ID)
    assert (r["kind"], r["ok"]) == ("unreachable", False)
    assert "HF_HUB_OFFLINE" in r["detail"]


def test_env_without_model_is_unchanged_and_the_token_is_never_printed(tmp_path: Path) -> None:
    secret = "hf_pixtuneTestTokenThatMustNotAppear"
    env = {**trainer_env(), "HF_TOKEN": secret, "HF_ENDPOINT": CLOSED, "HF_HOME": str(tmp_path / "hf")}
    plain = subprocess.run(
        [sys.executable, "-m", "pixtune_trainer", "env", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert "model_source" not in json.loads(plain.stdout)
    with_model = subprocess.run(
        [sys.executable, "-m", "pixtune_trainer", "env", "--json", "--model", REPO_ID],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(with_model.stdout)["model_source"]["kind"] == "unreachable"
    assert secret not in with_model.stdout + with_model.stderr


FP8_QUANTIZATION = {"quant_method": "fp8", "weight_block_size": [128, 128]}
# Repositories by their files, as model info lists them, and the config.json they serve.
FORMS = {
    "pixtune-test/mistral-format": ["README.md", "consolidated.safetensors", "params.json", "tekken.json"],
    "pixtune-test/fp8": ["config.json", "consolidated.safetensors", "model.safetensors", "params.json", "tekken.json"],
    "pixtune-test/bf16": ["config.json", "model-00001-of-00002.safetensors", "tekken.json"],
}
CONFIGS = {
    "pixtune-test/fp8": {"model_type": "mistral3", "quantization_config": FP8_QUANTIZATION},
    "pixtune-test/bf16": {"model_type": "mistral3"},
}


class _StandInHub(BaseHTTPRequestHandler):
    """The few answers of huggingface.co the probe reads: model info (public, gated, unknown), a gated file's HEAD."""

    def _answer(self, status: int, body: dict | None = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        if auth == "Bearer hf_invalid":
            return self._answer(401, headers={"X-Error-Message": "Invalid credentials in Authorization header"})
        repo = self.path.split("?")[0].removeprefix("/api/models/")
        if repo in FORMS:
            return self._answer(200, {"id": repo, "sha": "0" * 40, "siblings": [{"rfilename": f} for f in FORMS[repo]]})
        config = next((c for r, c in CONFIGS.items() if self.path.startswith(f"/{r}/resolve/")), None)
        if config is not None:
            return self._answer(200, config)
        if repo in ("pixtune-test/public", "pixtune-test/gated"):
            return self._answer(
                200, {"id": repo, "sha": "0" * 40, "private": False, "gated": repo.endswith("gated") and "manual"}
            )
        if "/resolve/" in self.path and auth == "Bearer hf_granted":
            return self._answer(200, headers={"X-Repo-Commit": "0" * 40, "ETag": '"abc"'})
        if "/resolve/" in self.path:
            return self._answer(403, headers={"X-Error-Code": "GatedRepo"})
        return self._answer(404, headers={"X-Error-Code": "RepoNotFound"})

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def stand_in_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandInHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    # What huggingface_hub derives from HF_ENDPOINT when it is imported (here it already is).
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    yield endpoint
    server.shutdown()
    server.server_close()


def test_the_hub_answers_public_unknown_gated_and_bad_token(stand_in_hub: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = lambda repo: (lambda r: (r["kind"], r["ok"]))(check_model_source(repo))  # noqa: E731
    assert kind("pixtune-test/public") == ("hub", True)
    r = check_model_source("pixtune-test/unknown")
    assert (r["kind"], r["ok"]) == ("not-found", False) and "HF_TOKEN is not set" in r["detail"]
    r = check_model_source("pixtune-test/gated")
    assert (r["kind"], r["ok"]) == ("gated", False) and "needs HF_TOKEN" in r["detail"]
    monkeypatch.setenv("HF_TOKEN", "hf_notgranted")
    r = check_model_source("pixtune-test/gated")
    assert (r["kind"], r["ok"]) == ("gated", False) and "has no access" in r["detail"], r
    assert "hf_notgranted" not in json.dumps(r)
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    assert kind("pixtune-test/gated") == ("hub", True)
    monkeypatch.setenv("HF_TOKEN", "hf_invalid")
    r = check_model_source("pixtune-test/public")
    assert (r["kind"], r["ok"]) == ("bad-token", False) and "hf_invalid" not in r["detail"]


def test_forms_the_trainer_cannot_use_are_refused_before_any_download(
    stand_in_hub: str, tmp_path: Path, tiny_mistral3: Path
) -> None:
    # On the hub: only Mistral's own format (mistralai/Pixtral-12B-2409), or FP8 weights (Ministral 3 Instruct-2512).
    r = check_model_source("pixtune-test/mistral-format")
    assert (r["kind"], r["ok"]) == ("unsupported-format", False) and "mistral-community/pixtral-12b" in r["detail"]
    r = check_model_source("pixtune-test/fp8")
    assert (r["kind"], r["ok"]) == ("unsupported-format", False) and "-BF16" in r["detail"]
    assert check_model_source("pixtune-test/bf16")["kind"] == "hub"
    # The same forms as folders on the training machine.
    folder = tmp_path / "Pixtral-12B-2409"
    folder.mkdir()
    (folder / "params.json").write_text("{}")
    assert check_model_source(str(folder))["kind"] == "unsupported-format"
    fp8 = tmp_path / "fp8"
    fp8.mkdir()
    config = json.loads((tiny_mistral3 / "config.json").read_text())
    (fp8 / "config.json").write_text(json.dumps({**config, "quantization_config": FP8_QUANTIZATION}))
    assert check_model_source(str(fp8))["kind"] == "unsupported-format"
    assert check_model_source(str(tiny_mistral3))["kind"] == "local-dir"
