"""/metrics for the configured Prometheus scraper (see metrics.py and docs/security.md)."""
from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST

from app.extensions import csrf, limiter
from app.observability.metrics import check_scraper, scrape

bp = Blueprint("observability", __name__)


@bp.get("/metrics")
@limiter.exempt
@csrf.exempt
def metrics():
    check_scraper(current_app.config)
    return Response(scrape(), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
