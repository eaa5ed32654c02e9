"""Absolute URLs come from PUBLIC_BASE_URL, never from the request (README "Hardening").

Photo URLs in the API, Stripe's return URLs and e-mail links are absolute. Flask builds them
from the request's Host header, which a client chooses: behind a proxy that passes any Host on,
a forged one would end up in links we hand out. The app class below builds every absolute URL
(`url_for(..., _external=True)`, and any url_for outside a request) on PUBLIC_BASE_URL instead,
so no view, template or handler has to remember to.
"""

from urllib.parse import quote, urlsplit

from flask import Flask, has_request_context, request
from flask.globals import _cv_request
from werkzeug.routing import BuildError

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # what Flask leaves unquoted in an anchor


class App(Flask):
    """Flask, with absolute URLs built on PUBLIC_BASE_URL."""

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        """Flask's url_for; an absolute URL has PUBLIC_BASE_URL's scheme, host and path prefix."""
        in_request = has_request_context()
        external = _external if _external is not None else (_scheme is not None or not in_request)
        base = self.config.get("PUBLIC_BASE_URL")
        # A request whose Host TRUSTED_HOSTS refused has no URL adapter: its 400 page still needs
        # the links of the layout, so those are built on the public address too.
        refused = in_request and _cv_request.get().url_adapter is None
        if not base or not (external or refused):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        if endpoint[:1] == "." and in_request:  # relative to the current blueprint, as Flask does
            endpoint = f"{request.blueprint}{endpoint}" if request.blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        public = urlsplit(base)
        adapter = self.url_map.bind(
            public.netloc, script_name=public.path or "/", url_scheme=public.scheme
        )
        try:
            url = adapter.build(
                endpoint, values, method=_method, url_scheme=_scheme, force_external=external
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url = f"{url}#{quote(_anchor, safe=_ANCHOR_SAFE)}"
        return url
