"""In a real browser: an agent files a customer and a vehicle, finds them, prints the archive."""


from ..factories import make_user, pdf_text
from .browsing import sign_in


def save(page) -> None:
    page.click("input[type=submit][value='保存']")
    page.wait_for_load_state("networkidle")


def test_agent_files_a_customer_finds_it_and_prints_the_archive(page):
    make_user("followup_agent", "agent", display_name="李丽")
    sign_in(page, "agent")

    page.goto("/admin/customer/new/")
    page.fill("#name", "欧阳娜娜")
    page.fill("#mobile", "139 8765 4321")
    page.fill("#address", "深圳市福田区莲花路 88 号")
    page.fill("#wished_services", "保养到期前短信提醒")
    save(page)
    assert "记录创建成功" in page.content() or "欧阳娜娜" in page.content()

    # Find the customer by the last 4 digits of the mobile, open the archive page.
    page.fill("input[name=search]", "4321")
    page.press("input[name=search]", "Enter")
    page.wait_for_load_state("networkidle")
    page.click("a[title='客户档案页']")
    page.wait_for_url("**/admin/customer/archive/**")
    assert "客户档案基本资料表" in page.inner_text("body")

    # Add a vehicle from the archive page: the owner is filled in already.
    page.click("#add-vehicle")
    page.wait_for_url("**/admin/vehicle/new/**")
    page.fill("#plate_number", "粤b 8 8 6 6 8")
    page.fill("#vin", "1m8gdm9axkp042788")
    page.fill("#vehicle_model", "雅阁")
    save(page)
    page.wait_for_url("**/admin/customer/archive/**")
    assert "粤B88668" in page.inner_text("#archive-sheet")

    # Find the vehicle by the plate's last characters.
    page.goto("/admin/vehicle/")
    page.fill("input[name=search]", "668")
    page.press("input[name=search]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "粤B88668" in page.inner_text("table.model-list")
    assert "欧阳娜娜" in page.inner_text("table.model-list")

    # Back to the archive page, and its PDF.
    page.click("table.model-list a:has-text('欧阳娜娜')")
    page.wait_for_url("**/admin/customer/archive/**")
    href = page.get_attribute("#print-archive", "href")
    response = page.context.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    for word in ("客户档案基本资料表", "欧阳娜娜", "粤B88668", "保养到期前短信提醒"):
        assert word in text
