"""FoleyDesk: AI foley and music for video editors, placed on the frame."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("foleydesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

APP_NAME = "FoleyDesk"
