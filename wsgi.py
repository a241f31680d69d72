"""The WSGI entry point: `gunicorn wsgi:app` (make run, production, the benchmarks)."""
import gc

from PIL import Image

from app import create_app

app = create_app()

# Work a worker would otherwise do inside its first requests, so the first person to scan a
# card after a restart does not wait for it: compile the public pages' templates and load
# Pillow's common image plugins.
Image.preinit()
for template in ("intake/form.html", "intake/_layout.html", "base.html", "intake/receipt.html",
                 "intake/lookup.html", "intake/status.html"):
    app.jinja_env.get_template(template)

# Each gunicorn worker imports this module once, after the fork. A request allocates
# thousands of short-lived objects (ORM rows, template contexts); with CPython's default
# threshold (700 allocations) the cycle collector ran about once per request and promoted
# request garbage into the old generation, whose full collections then paused a worker for
# 30–45 ms. Freeze what start-up built (modules, mappers, templates: never garbage) and
# collect the young generation every 50,000 allocations instead. Measured on the form's
# GET+POST cycle: ~1 ms less worker CPU per submission (docs/intake.md).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
