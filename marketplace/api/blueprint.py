"""The API blueprint itself, in its own module: the resource modules attach their routes to it
without importing the package that registers them (no import cycle)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
