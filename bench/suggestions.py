"""The department suggestion on the demo county: how often it names the department that finally
handled the case, with the old rule (the enterprise's department, then the category's) and the
current one (app/office/queries.suggest_department: category routing, the text where it names
a department, the enterprise's department as a fallback).

Run: /work/main/.venv/bin/python bench/suggestions.py
Loads the demo county (`flask demo load`) into a throwaway SQLite database; prints figures.
"""
from collections import Counter
from pathlib import Path
import sys
import tempfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402

from app import create_app  # noqa: E402
from app.cases.models import Case  # noqa: E402
from app.extensions import db  # noqa: E402
from app.office.queries import suggest_department  # noqa: E402
from config import Config  # noqa: E402


def old_suggestion(case):
    """The rule before issue 19: the enterprise's responsible department, else the category's."""
    for candidate in (case.enterprise.responsible_department if case.enterprise else None,
                      case.category.default_department if case.category else None):
        if candidate is not None and candidate.is_active:
            return candidate
    return None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        class BenchConfig(Config):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/demo.sqlite3"
            MEDIA_ROOT = f"{tmp}/media"
            RATELIMIT_ENABLED = False

        app = create_app(BenchConfig)
        with app.app_context():
            flask_migrate.upgrade()
            result = app.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
            # Finally handled by: the lead department of every case that has one.
            cases = db.session.execute(
                db.select(Case).where(Case.lead_department_id.is_not(None))).scalars().all()
            before = after = 0
            reasons, misses = Counter(), Counter()
            for case in cases:
                old = old_suggestion(case)
                new = suggest_department(case, at_intake=True)
                before += old is not None and old.id == case.lead_department_id
                hit = new is not None and new.department.id == case.lead_department_id
                after += hit
                reasons[(new.reason if new else "无建议", hit)] += 1
                if not hit:
                    misses[(case.category.name, case.lead_department.name)] += 1
            total = len(cases)
            print(f"demo county: {total} cases with a handling department")
            print(f"before (enterprise's department first): {before}/{total} = {before / total:.1%}")
            print(f"after  (category, text, enterprise):    {after}/{total} = {after / total:.1%}")
            for (reason, hit), n in sorted(reasons.items()):
                print(f"  {reason} {'hit' if hit else 'miss'}: {n}")
            print("misses after (category → handled by):")
            for (category, department), n in misses.most_common():
                print(f"  {n:3d}  {category} → {department}")


if __name__ == "__main__":
    main()
