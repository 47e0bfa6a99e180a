"""``samhandling web``: the node's web server (uvicorn), with the app wired from the settings."""

from __future__ import annotations

from samhandling.cli.common import UserError, err, settings


def serve(host: str, port: int) -> None:
    import uvicorn

    from samhandling.bootstrap import ConfigurationError, bootstrap
    from samhandling.domain.clock import utc_now
    from samhandling.web.app import create_app

    node = bootstrap(settings())
    try:
        try:
            config = node.notice_config()
        except ConfigurationError as exc:
            raise UserError(str(exc)) from None
        err.print(f"Endringskanalen: http://{host}:{port}/endringer (offentlig adresse {config.public_url})",
                  markup=False)
        try:
            uvicorn.run(create_app(node.notices_uow, config, utc_now), host=host, port=port, log_level="warning")
        except OSError as exc:
            raise UserError(f"kan ikke lytte på {host}:{port}: {exc.strerror}") from None
    finally:
        node.close()
