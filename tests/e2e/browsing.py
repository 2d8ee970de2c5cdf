"""Steps the browser tests share."""
from ..factories import PASSWORD


def sign_in(page, username: str) -> None:
    """Sign in through the login page, as a person would, and land on the home page."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
