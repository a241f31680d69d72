"""码上办: QR-code feedback intake and case handling for a county business-environment office."""
import logging
import os

from flask import Flask

from app.extensions import csrf, db, limiter, login_manager, migrate
from config import configs


def create_app(config_class=None):
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    if config_class is None:
        config_class = configs[os.environ.get("APP_ENV", "development")]
    app.config.from_object(config_class)
    if hasattr(config_class, "check"):
        config_class.check()
    os.makedirs(app.instance_path, exist_ok=True)

    from app import models  # noqa: F401  (register every table)
    from app.auth import passwords
    passwords.configure(app.config.get("ARGON2_PARAMS"))

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from app.core import views as core_views
    app.register_blueprint(core_views.bp)
    core_views.register_template_helpers(app)
    core_views.register_error_pages(app)
    core_views.register_security_headers(app)

    from app.auth import views as auth_views
    app.register_blueprint(auth_views.bp)

    # Domain blueprints and CLI groups: one block each.

    from app.figures import views as figures_views
    app.register_blueprint(figures_views.bp)
    from app.figures.cli import ledger_cli, metrics_cli
    app.cli.add_command(metrics_cli)
    app.cli.add_command(ledger_cli)

    from app.demo.cli import demo_cli
    app.cli.add_command(demo_cli)

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app
