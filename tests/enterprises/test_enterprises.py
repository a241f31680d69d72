import pytest

from app.enterprises.credit_code import check_character, credit_code_error
from app.enterprises.operations import EnterpriseError, save_enterprise
from tests.conftest import valid_credit_code


def test_check_character_of_a_published_code():
    # 91350100M000100Y43: an example code with a known check character
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code,fragment", [
    ("", "不能为空"), ("9137150012345678", "18位"), ("91371500I23456789X", "无效字符"),
])
def test_credit_code_errors_say_what_is_wrong(code, fragment):
    assert fragment in credit_code_error(code)


def test_wrong_check_digit_is_refused_naming_the_field(app):
    code = valid_credit_code(7)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(EnterpriseError) as info:
        save_enterprise({"name": "某某轴承有限公司", "credit_code": wrong})
    assert set(info.value.errors) == {"credit_code"}
    assert "统一社会信用代码" in info.value.errors["credit_code"]


def test_duplicate_name_and_code_are_refused(app):
    save_enterprise({"name": "甲饮品有限公司", "credit_code": valid_credit_code(1)})
    with pytest.raises(EnterpriseError) as info:
        save_enterprise({"name": "甲饮品有限公司", "credit_code": valid_credit_code(1)})
    assert set(info.value.errors) == {"name", "credit_code"}
