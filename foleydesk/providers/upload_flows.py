"""Upload strategies shared by hosts: each turns a segment on disk into a URL the host's model
can read. Kept small and host-agnostic so a host picks one with its own paths and field names.

- `signed_put`: ask the host (with the key) for a signed upload URL and the file's public URL,
  then PUT the bytes there with their Content-Type and *without* the key (fal storage).
- `multipart_post`: POST the file as one multipart/form-data field and read the URL the answer
  names (Replicate's /v1/files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from foleydesk.providers.base import ProviderError
from foleydesk.providers.hosted import answer_json, first_str
from foleydesk.providers.http import FileBody, HostHttp, multipart_file


def check_size(path: Path, limit: int, host: str) -> None:
    size = path.stat().st_size
    if size > limit:
        raise ProviderError(
            f"The segment is {size // (1024 * 1024)} MB; {host} takes uploads up to "
            f"{limit // (1024 * 1024)} MB.",
            "Use a shorter range.",
        )


async def signed_put(
    http: HostHttp,
    initiate_path: str,
    body: Mapping[str, Any],
    path: Path,
    content_type: str,
    url_paths: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]],
) -> str:
    """Initiate (key sent), PUT to the signed URL (key not sent), return the public URL.

    url_paths: where the upload URL sits in the answer, and where the file's URL sits."""
    response = await http.request("POST", initiate_path, json=dict(body))
    answer = answer_json(response, f"{http.host_name}'s upload answer")
    upload_paths, file_paths = url_paths
    upload_url = first_str(answer, upload_paths)
    file_url = first_str(answer, *file_paths)
    if not upload_url or not file_url:
        raise ProviderError(f"{http.host_name}'s upload answered without the URLs it should give.")
    # The signed URL carries its own authorisation: the key never goes there.
    await http.request(
        "PUT",
        upload_url,
        auth=False,
        content=FileBody(path),
        headers={"Content-Type": content_type},
    )
    return file_url


async def multipart_post(
    http: HostHttp,
    upload_path: str,
    field: str,
    path: Path,
    content_type: str,
    url_paths: tuple[tuple[str, ...], ...],
) -> str:
    """POST the file as the form field `field`; the file's URL is at one of `url_paths`."""
    body, form_type = multipart_file(field, path, content_type)
    response = await http.request(
        "POST", upload_path, content=body, headers={"Content-Type": form_type}
    )
    answer = answer_json(response, f"{http.host_name}'s upload answer")
    url = first_str(answer, *url_paths)
    if not url:
        raise ProviderError(f"{http.host_name}'s upload answered without the file's URL.")
    return url
