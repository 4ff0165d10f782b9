"""complaints: citizen reception and complaint handling for Vietnamese state bodies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported lazily so that complaints.core stays usable without it
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def settle() -> None:
    """What a serving process does once its application is built (wsgi.py): the objects it
    keeps for its whole life (modules, the models' mappers, the configuration: most of its
    heap) are left out of the cyclic garbage collector's passes (`gc.freeze`). Every full pass
    otherwise walks them all again: a country's centre loading its 4,295 units paid 100-300
    ms of such passes on its pages (bench/README.md). Not for a process that builds many
    applications (the tests): what a frozen one holds in cycles is never collected."""
    import gc

    gc.collect()
    gc.freeze()


def create_app(test_config: dict | None = None, *, migrations: bool = True) -> Flask:
    """Build the application: layered configuration, extensions, blueprints, commands.

    `migrations=False` leaves out Flask-Migrate (the `flask db` commands and alembic, ~11 MB
    per process): the web workers (wsgi.py) never migrate; `make migrate` does, before them.
    """
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=os.environ.get("COMPLAINTS_INSTANCE_PATH", str(ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)

    from complaints import i18n, security, web
    from complaints.extensions import babel, csrf, db, login_manager
    from complaints.web import transaction

    db.init_app(app)
    if migrations:
        from flask_migrate import Migrate

        Migrate(
            app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True
        )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    web.init_app(app)
    security.init_app(app)
    # After security's hook in the list, so that it runs before it: an answer it replaces
    # (a commit refused at the end) still gets the security headers.
    transaction.init_app(app)

    from complaints import models  # noqa: F401  every model registered on the metadata
    from complaints.reports import month_figures  # noqa: F401  kept months follow changes

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                from complaints.core.db import configure_sqlite

                configure_sqlite(engine)

    from complaints.api.admin import bp as api_tokens_bp
    from complaints.api.views import bp as api_bp
    from complaints.auth.views import bp as auth_bp
    from complaints.calendar.views import bp as calendar_bp
    from complaints.cases.views import bp as cases_bp
    from complaints.citizen.views import bp as citizen_bp
    from complaints.citizen.views import staff as citizen_staff_bp
    from complaints.dashboard.views import bp as dashboard_bp
    from complaints.notices.views import bp as notices_bp
    from complaints.obligations.views import bp as obligations_bp
    from complaints.petitions.processing_views import bp as processing_bp
    from complaints.petitions.views import bp as petitions_bp
    from complaints.reception.views import bp as reception_bp
    from complaints.registers.views import bp as registers_bp
    from complaints.reports import check_views  # noqa: F401  its routes join reports_bp
    from complaints.reports.views import bp as reports_bp
    from complaints.units.views import bp as admin_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reception_bp)
    app.register_blueprint(petitions_bp)
    app.register_blueprint(processing_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(citizen_bp)
    app.register_blueprint(citizen_staff_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(obligations_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(registers_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_tokens_bp)

    from complaints import cli

    cli.init_app(app)
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    from complaints.config import from_environment

    app.config.from_object("complaints.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "complaints.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if not app.config.get("ATTACHMENT_DIR"):
        app.config["ATTACHMENT_DIR"] = str(Path(app.instance_path) / "attachments")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY chưa được cấu hình: đặt nó trong instance/config.py hoặc biến môi trường "
            "COMPLAINTS_SECRET_KEY (`make run` tự tạo một khóa khi chạy lần đầu)."
        )
