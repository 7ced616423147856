"""One module per host: how to talk to that company (paths, auth, upload, envelope, status
words, limits) and `OFFERINGS`, the models it serves as declarative data. Each module also
defines `make(settings, client, offering) -> Provider`. Adding a host: a module here, its id in
HOST_IDS, an emulator in tests/fakes/hosts.py (docs/providers.md)."""

# Order matters: without @HOST, a model runs on the first host here that has a key.
HOST_IDS = (
    "offline",
    "piapi",
    "qubico",
    "eachlabs",
    "wavespeed",
    "fal",
    "replicate",
    "elevenlabs",
    "selfhosted",
)
