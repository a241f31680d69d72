"""Numbers from a request that name a row are checked before any SQL: one past the INTEGER
range is a clear 400/404 or an ignored filter, never a 500 from PostgreSQL (issue 16 item 14)."""
import pytest

from app.auth.models import Role
from app.departments.models import DepartmentKind
from tests.conftest import login

HUGE = "2147483648"


@pytest.mark.parametrize("value", [HUGE, "99999999999999999999", "-1", "0", "", "abc", "²"])
def test_the_card_page_ignores_a_township_that_is_not_listed(client, world, make_department,
                                                             make_enterprise, value):
    township = make_department(name="城关镇", kind=DepartmentKind.township)
    make_enterprise(name="城关轴承有限公司", township=township)
    login(client, world.dispatcher.username)
    response = client.get(f"/cards/?township={value}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "城关轴承有限公司" in html  # the filter is dropped, not applied
    assert ("请选择列表中的乡镇" in html) == (value not in ("0", ""))


@pytest.mark.parametrize("path, field", [("/admin/categories", "c{}-department"),
                                        ("/admin/time-limits", "t{}-amount")])
@pytest.mark.parametrize("value", [HUGE, "-5", "abc", ""])
def test_admin_table_fields_out_of_range_are_refused_by_row(client, world, path, field, value):
    """The tables post as one form; a row number in a field name that is no row is ignored, and
    a value out of range in a real row is that row's Chinese error, never a 500."""
    login(client, world.admin.username)
    assert client.post(path, data={field.format(HUGE): "1"}).status_code == 302
    from app.cases.models import Category
    from app.extensions import db
    from app.settings.models import TimeLimit
    model = Category if "categories" in path else TimeLimit
    row_id = db.session.execute(db.select(model.id).order_by(model.id)).scalars().first()
    response = client.post(path, data={field.format(row_id): value})
    assert response.status_code == 400 and 'class="field-error"' in response.get_data(as_text=True)


def test_the_figures_drill_down_refuses_an_id_out_of_range(client, world):
    login(client, world.admin.username)
    response = client.get(f"/figures/cases?figure=received&from=2026-11-01&to=2026-12-01"
                          f"&township={HUGE}")
    assert response.status_code == 400


def test_row_ids_in_paths_out_of_range_are_404(client, world):
    login(client, world.admin.username)
    for path in (f"/admin/users/{HUGE}", f"/admin/departments/{HUGE}",
                 f"/admin/enterprises/{HUGE}", f"/cards/{HUGE}/preview.png", f"/media/{HUGE}"):
        assert client.get(path).status_code == 404, path
