"""码上办: QR-code feedback intake and case handling for a county business-environment office."""
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
    from app.core.json_provider import BoundedJSONProvider
    app.json = BoundedJSONProvider(app)
    from app.core.session import SignedCookieSessionInterface
    app.session_interface = SignedCookieSessionInterface()
    if hasattr(config_class, "check"):
        config_class.check(app.config)
    from app.sms.settings import check_at_start
    check_at_start(app.config)  # an SMS template that could be too long refuses to start
    os.makedirs(app.instance_path, exist_ok=True)

    from app import models  # noqa: F401  (register every table)
    from app.auth import passwords
    passwords.configure(app.config.get("ARGON2_PARAMS"))

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    # Before the limiter's and every other hook: a refused request has its id and is counted.
    from app.observability.logs import register_request_ids
    register_request_ids(app)
    from app.observability.metrics import register_request_metrics
    register_request_metrics(app)
    limiter.init_app(app)
    from app.core.proxy import register_proxy_fix
    register_proxy_fix(app)

    from app.core import views as core_views
    core_views.register_converters(app)
    app.register_blueprint(core_views.bp)
    core_views.register_template_helpers(app)
    core_views.register_error_pages(app)
    core_views.register_security_headers(app)
    from app.core.static import register_static_caching
    register_static_caching(app)

    from app.auth import views as auth_views
    app.register_blueprint(auth_views.bp)
    from app.auth import totp as totp_views
    app.register_blueprint(totp_views.bp)

    # Domain blueprints and CLI groups: one block each.
    from app.cards import cli as cards_cli, views as cards_views
    app.register_blueprint(cards_views.bp)
    app.cli.add_command(cards_cli.cards_cli)

    from app.handling import views as handling_views
    app.register_blueprint(handling_views.bp)

    from app.office import views as office_views
    app.register_blueprint(office_views.bp)

    from app.admin import views as admin_views
    app.register_blueprint(admin_views.bp)
    from app.enterprises.cli import enterprises_cli
    app.cli.add_command(enterprises_cli)

    from app.oversight import views as oversight_views
    app.register_blueprint(oversight_views.bp)

    from app.api.views import bp as api_bp
    app.register_blueprint(api_bp)

    from app.auth.cli import users_cli
    app.cli.add_command(users_cli)

    from app.intake import views as intake_views
    app.register_blueprint(intake_views.bp)
    from app.intake.compress import register_gzip
    register_gzip(app)
    from app.intake.wsgi_input import register_fast_input
    register_fast_input(app)

    from app.media import views as media_views
    app.register_blueprint(media_views.bp)
    from app.media.cli import media_cli
    app.cli.add_command(media_cli)

    from app.figures import views as figures_views
    app.register_blueprint(figures_views.bp)
    from app.figures.cli import ledger_cli, metrics_cli
    app.cli.add_command(metrics_cli)
    app.cli.add_command(ledger_cli)

    from app.meetings import views as meetings_views
    app.register_blueprint(meetings_views.bp)
    from app.bulletins import views as bulletins_views
    app.register_blueprint(bulletins_views.bp)
    from app.field import views as field_views
    app.register_blueprint(field_views.bp)
    from app.rounds import public as rounds_public, views as rounds_views
    app.register_blueprint(rounds_views.bp)
    app.register_blueprint(rounds_public.bp)
    from app.assessments import views as assessments_views
    app.register_blueprint(assessments_views.bp)
    from app.quarterly import views as quarterly_views
    app.register_blueprint(quarterly_views.bp)
    from app.areas import views as areas_views
    app.register_blueprint(areas_views.bp)

    from app.demo.cli import demo_cli
    app.cli.add_command(demo_cli)

    from app.reminders.cli import scheduler_cli
    app.cli.add_command(scheduler_cli)
    from app.sms.cli import sms_cli
    app.cli.add_command(sms_cli)

    from app.observability import views as observability_views
    app.register_blueprint(observability_views.bp)
    from app.backup.cli import backup_cli
    app.cli.add_command(backup_cli)

    from app.observability.logs import configure_logging
    configure_logging(app)
    # The in-process scheduler (SCHEDULER=on) is started by the web server's entry point
    # (gunicorn.conf.py), not here: a CLI command that loads the app is not a web process.
    return app
