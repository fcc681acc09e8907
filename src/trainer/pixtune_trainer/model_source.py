"""Where the base model comes from, seen from the machine that trains: a folder here, a Hugging Face id already in
this machine's hub cache, or a hub id the hub must serve. `env --json --model` reports it before a run starts
(CONTRACT.md), so an id the target cannot fetch is said before the job, not an hour into it; `resolve_model_dir`
uses the same reading of what is a path."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

# Asking the hub whether a model exists: a few seconds when it answers, at once when DNS fails; 10 s at most.
HUB_TIMEOUT_SECONDS = 10.0


def as_local_path(base_model: str) -> Path | None:
    """The base model as a folder path when it is one or looks like one (absolute, ./, ../, ~); None for a hub id.

    A relative name that is not a folder here ("org/name") is a Hugging Face id, as transformers reads it."""
    local = Path(base_model).expanduser()
    if local.is_dir() or local.is_absolute() or base_model.startswith((".", "~")):
        return local
    return None


def untrainable_form(names: set[str], config: dict[str, Any] | None, where: str) -> str | None:
    """Published Mistral weights transformers cannot LoRA-train here, as one sentence naming what to use instead:
    Mistral's own format (mistralai/Pixtral-12B-2409 has only params.json + consolidated.safetensors) and FP8
    checkpoints (mistralai/Ministral-3-*-Instruct-2512; their -BF16 repositories are the ones to train)."""
    if "config.json" not in names and "params.json" in names:
        return (
            f"{where} holds Mistral's own format (params.json + consolidated.safetensors), which transformers does not "
            "load: use the model's transformers-format copy (for Pixtral-12B-2409: mistral-community/pixtral-12b)."
        )
    quant = (config or {}).get("quantization_config")
    if isinstance(quant, dict) and str(quant.get("quant_method", "")).lower().endswith("fp8"):
        return (
            f"{where} stores its weights in FP8 (as mistralai/Ministral-3-*-Instruct-2512 do); LoRA training needs the "
            "BF16 weights: use the -BF16 repository (e.g. mistralai/Ministral-3-8B-Instruct-2512-BF16)."
        )
    return None


def read_config(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _result(kind: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"kind": kind, "ok": ok, "detail": detail}


def _host() -> str:
    """Named in every detail: on Ray the probe runs on a cluster node, not on the machine that reads the message."""
    return f"the machine {platform.node()}" if platform.node() else "the training machine"


def _local_source(path: Path, base_model: str) -> dict[str, Any]:
    if not path.exists():
        return _result("missing", False, f"The model folder {base_model} does not exist on {_host()}.")
    if not path.is_dir():
        return _result("not-a-model", False, f"{base_model} on {_host()} is a file, not a model folder.")
    names = {p.name for p in path.iterdir()}
    unfit = untrainable_form(names, read_config(path / "config.json"), f"The folder {base_model} on {_host()}")
    if unfit:
        return _result("unsupported-format", False, unfit)
    if "config.json" not in names:
        return _result(
            "not-a-model",
            False,
            f"The folder {base_model} on {_host()} has no config.json, so it is not a Hugging Face model folder.",
        )
    return _result("local-dir", True, f"The model folder {base_model} is on {_host()}.")


def _cached_snapshot(repo_id: str) -> Path | None:
    """The cached snapshot of the repo's main revision when it holds the config and weights (HF_HOME/HF_HUB_CACHE)."""
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(repo_id, "config.json")
    if not isinstance(config, str):
        return None
    snapshot = Path(config).parent
    return snapshot if any(snapshot.glob("*.safetensors")) else None


def _ask_hub(repo_id: str, timeout: float) -> dict[str, Any]:
    from huggingface_hub import HfApi, constants, get_token, hf_hub_url
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError
    from huggingface_hub.file_download import get_hf_file_metadata

    endpoint = constants.ENDPOINT
    here = _host()
    offline = _result(
        "unreachable", False, f"HF_HUB_OFFLINE is set on {here} and {repo_id} is not in the Hugging Face cache there."
    )
    if constants.HF_HUB_OFFLINE:
        return offline
    token = get_token()  # HF_TOKEN or a saved login; never printed
    try:
        info = HfApi(endpoint=endpoint).model_info(repo_id, timeout=timeout, token=token or False)
        if info.gated:
            if not token:
                need = f"{here} needs HF_TOKEN from an account that accepted its terms"
                return _result("gated", False, f"{repo_id} is gated: {need}.")
            # The token is there; does its account have access? A HEAD request for the config answers.
            get_hf_file_metadata(hf_hub_url(repo_id, "config.json", endpoint=endpoint), token=token, timeout=timeout)
    except GatedRepoError:
        return _result(
            "gated", False, f"{repo_id} is gated and the HF_TOKEN on {here} has no access: accept its terms first."
        )
    except RepositoryNotFoundError:
        private = " (or it is private and HF_TOKEN is not set there)" if not token else ""
        return _result("not-found", False, f"{endpoint} has no model {repo_id}{private}.")
    except OfflineModeIsEnabled:
        return offline
    except HfHubHTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 401 and token:
            return _result("bad-token", False, f"{endpoint} refused the HF_TOKEN set on {here} (401): it is not valid.")
        answer = f"{endpoint} answered {status} to {here} for {repo_id}"
        return _result("unreachable", False, f"{answer}, which is not in the Hugging Face cache there.")
    except Exception as e:  # DNS, connection refused, timeout, proxy: the hub is out of reach from here
        reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else ""
        return _result(
            "unreachable",
            False,
            f"From {here}, {endpoint} cannot be reached ({type(e).__name__}{': ' + reason if reason else ''}) "
            f"and {repo_id} is not in the Hugging Face cache there.",
        )
    unfit = _hub_form(repo_id, info.siblings, endpoint, token, timeout)
    if unfit:
        return _result("unsupported-format", False, unfit)
    return _result("hub", True, f"{endpoint} serves {repo_id} to {here}; its weights are downloaded at the start.")


def _hub_form(repo_id: str, siblings: Any, endpoint: str, token: str | None, timeout: float) -> str | None:
    """The repository's files (from its model info) and its config.json (2 kB) tell a form the trainer cannot use
    before gigabytes are downloaded; a config that cannot be read leaves the question to the training itself."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session

    if not siblings:
        return None
    names = {s.rfilename for s in siblings}
    config = None
    if "config.json" in names:
        try:
            url = hf_hub_url(repo_id, "config.json", endpoint=endpoint)
            answer = get_session().get(
                url, headers=build_hf_headers(token=token or None), timeout=timeout, follow_redirects=True
            )
            config = answer.json() if answer.status_code == 200 else None
        except Exception:
            config = None
    return untrainable_form(names, config if isinstance(config, dict) else None, repo_id)


def check_model_source(base_model: str, timeout: float = HUB_TIMEOUT_SECONDS) -> dict[str, Any]:
    """`{"kind", "ok", "detail"}` for `env --json --model` (CONTRACT.md): can this machine load the base model?"""
    local = as_local_path(base_model)
    if local is not None:
        return _local_source(local, base_model)
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(base_model)
    except HFValidationError:
        return _result(
            "not-found", False, f"{base_model} is neither a folder on {_host()} nor a Hugging Face id (org/name)."
        )
    snapshot = _cached_snapshot(base_model)
    if snapshot is not None:
        unfit = untrainable_form({"config.json"}, read_config(snapshot / "config.json"), f"{base_model} (cached)")
        if unfit:
            return _result("unsupported-format", False, unfit)
        return _result("hub-cache", True, f"{base_model} is in the Hugging Face cache on {_host()} ({snapshot}).")
    return _ask_hub(base_model, timeout)
