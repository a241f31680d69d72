"""The enterprise import: every bad row reported, nothing half-imported; a good file all in."""
import io

from openpyxl import Workbook

from app.auth.models import Role
from app.departments.models import DepartmentKind
from app.enterprises.models import Enterprise
from app.extensions import db
from tests.conftest import valid_credit_code

HEADER = ["企业名称", "统一社会信用代码", "所属行业", "所属乡镇", "地址", "联系人", "联系电话",
          "是否监测点", "是否重点企业", "责任部门", "包联领导"]


def enterprise_count():
    return db.session.execute(db.select(db.func.count(Enterprise.id))).scalar_one()


def good_xlsx(rows=100) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in range(1, rows + 1):
        sheet.append([f"鲁西第{n}轴承有限公司", valid_credit_code(5000 + n), "轴承制造", "城关镇",
                      f"工业园{n}号", "王经理", 13800000000 + n, "是" if n % 10 == 0 else "否",
                      "是" if n <= 20 else "", "市场监管局", "李县长"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bad_csv() -> bytes:
    lines = [",".join(HEADER),
             f"临清食品有限公司,{valid_credit_code(7001)},食品,,,,,否,否,,",
             "坏代码化工有限公司,91371500MA3C00000X,化工,,,,,否,否,,",            # bad check char
             f"临清食品有限公司,{valid_credit_code(7002)},食品,,,,,否,否,,",       # duplicate name
             f"好企业有限公司,{valid_credit_code(7003)},饮料,,,,0635-1234567,是,否,,"]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")  # as Excel in China saves it


def county(make_department, make_user):
    market = make_department(code="MARKET", name="市场监管局")
    make_department(code="CGZ", name="城关镇", kind=DepartmentKind.township)
    make_user(Role.leader, username="li", display_name="李县长")
    return market


def test_good_100_row_xlsx_imports_all(app, runner, tmp_path, make_department, make_user):
    market = county(make_department, make_user)
    path = tmp_path / "企业名录.xlsx"
    path.write_bytes(good_xlsx())
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增100家" in result.output
    assert enterprise_count() == 100
    firm = db.session.execute(db.select(Enterprise).filter_by(name="鲁西第10轴承有限公司")).scalar_one()
    assert firm.is_monitoring_point and firm.is_key_enterprise
    assert firm.responsible_department_id == market.id and firm.package_leader.display_name == "李县长"
    assert firm.township.name == "城关镇" and firm.contact_phone == "13800000010"
    # Importing the same list again updates, never duplicates.
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0 and "更新100家" in result.output and enterprise_count() == 100


def test_bad_gbk_csv_reports_each_row_and_imports_nothing(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(bad_csv())
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 1
    output = result.output
    assert "第3行【统一社会信用代码】：统一社会信用代码校验位不正确" in output
    assert "第4行【企业名称】：企业名称“临清食品有限公司”与第2行重复" in output
    assert "第2行" not in output.split("错误")[1].replace("与第2行重复", "")  # good rows not blamed
    assert enterprise_count() == 0  # not even the good rows


def test_unknown_department_and_bad_flag_are_reported(app):
    from app.enterprises.imports import ImportRejected, import_enterprises
    data = ("企业名称,统一社会信用代码,责任部门,是否监测点\n"
            f"甲有限公司,{valid_credit_code(8001)},不存在局,也许\n").encode()
    try:
        import_enterprises("x.csv", data)
    except ImportRejected as exc:
        messages = [str(e) for e in exc.errors]
    else:
        raise AssertionError("should be rejected")
    assert "第2行【责任部门】：系统中没有名为“不存在局”的部门" in messages
    assert any("是否监测点" in m and "也许" in m for m in messages)


def test_missing_header_and_wrong_type(app):
    from app.enterprises.imports import ImportRejected, import_enterprises
    for name, data, expected in [("x.csv", "名称,代码\n甲,乙\n".encode(), "缺少此列"),
                                 ("x.pdf", b"%PDF", "只支持.xlsx或.csv文件"),
                                 ("x.xlsx", b"not a zip", "无法读取该Excel文件")]:
        try:
            import_enterprises(name, data)
        except ImportRejected as exc:
            assert expected in str(exc.errors[0])
        else:
            raise AssertionError(name)
