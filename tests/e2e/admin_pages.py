"""Driving the newsroom (the Django admin) as a person would: log in, pick, upload."""

import io

from PIL import Image
from playwright.sync_api import expect

PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets


def log_in(page, user):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(user.username)


def choose(page, picker, text):
    """Pick `text` in one of the admin's autocomplete pickers (select2)."""
    picker.click()
    page.locator(".select2-search__field").last.fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def image_upload(size, name, fmt="JPEG", colour="#336699"):
    """A generated image, as a file for `set_input_files`."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return {"name": name, "mimeType": f"image/{fmt.lower()}", "buffer": buffer.getvalue()}


def messages(page):
    return page.locator(".messagelist")
