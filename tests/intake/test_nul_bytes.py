"""The public form reads its own body (streaming), so it refuses NUL bytes itself: a 400 with
the form and what was typed, never a database error."""
from tests.intake.test_intake_server import case_count, form_page, post_form
from tests.media import samples


def test_nul_byte_in_a_form_field_keeps_the_form_and_saves_nothing(client, card):
    _, key, _ = form_page(client, card.token)
    for field, value in (("content", "企业反映\x00的问题说明"), ("category", "other\x00"),
                         ("contact_name", "王\x00女士")):
        response = post_form(client, card.token, key, **{field: value})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "空字符" in page, field
        assert "王" in page  # the rest of what was typed is still on the page
    assert case_count() == 0


def test_upload_with_a_300_character_file_name_is_kept_under_255(client, card):
    _, key, _ = form_page(client, card.token)
    response = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                           data={"file": (__import__("io").BytesIO(samples.jpeg_bytes()),
                                          "a" * 300 + ".jpg")})
    assert response.status_code == 201
    assert len(response.json["name"]) == 255 and response.json["name"].endswith(".jpg")
