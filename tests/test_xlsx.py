"""The streamed workbook of the exports (xlsx.py), read back with openpyxl."""
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from backoffice import xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")


def workbook(name, titles, rows):
    data = b"".join(xlsx.stream(name, titles, rows, SHANGHAI))
    return data, load_workbook(io.BytesIO(data))


def test_typed_cells_read_back_as_written():
    moment = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 00:30 the next day in Shanghai
    titles = ["客户", "里程", "金额", "日期", "时间", "空", "是否"]
    _data, book = workbook("来电登记", titles, [
        ["张三 <&> \"引号\"", 23500, Decimal("12.50"), date(2026, 11, 27), moment, None, True],
        ["  前后空格  ", 1.5, 0, date(1999, 1, 1), datetime(2026, 1, 1, 8, 0), None, False],
    ])
    sheet = book.active
    assert sheet.title == "来电登记"
    assert [cell.value for cell in sheet[1]] == titles
    first, second = ([cell.value for cell in row] for row in sheet.iter_rows(min_row=2))
    assert first == ["张三 <&> \"引号\"", 23500, 12.5, datetime(2026, 11, 27),
                     datetime(2026, 11, 28, 0, 30), None, True]
    assert second[:4] == ["  前后空格  ", 1.5, 0, datetime(1999, 1, 1)]
    assert second[4] == datetime(2026, 1, 1, 8, 0)  # naive: as it is
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.max_row == 3


def test_what_xml_cannot_hold_is_left_out_and_long_text_cut_to_excels_limit():
    _data, book = workbook("a/b:c*d?e[f]g\\h" * 3, ["备注"], [
        ["响铃\x07两声\x00，换行\n保留"], ["长" * 40000]])
    sheet = book.active
    assert sheet.title == "abcdefgh" * 3  # none of []:*?/\
    assert (xlsx.sheet_name("名" * 40), xlsx.sheet_name("[?]")) == ("名" * 31, "Sheet1")
    assert workbook('"A" & <B>', ["x"], [])[1].active.title == '"A" & <B>'
    assert sheet["A2"].value == "响铃两声，换行\n保留"
    assert len(sheet["A3"].value) == xlsx.MAX_TEXT


def test_many_rows_read_back_and_the_sheet_is_compressed():
    rows = ([f"客户{n}", n, date(2026, 1, 1)] for n in range(3000))
    pieces = list(xlsx.stream("s", ["客户", "序号", "日期"], rows, SHANGHAI))
    data = b"".join(pieces)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet = package.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_type == zipfile.ZIP_DEFLATED
        assert sheet.compress_size < sheet.file_size / 5
    book = load_workbook(io.BytesIO(data), read_only=True)
    values = list(book.active.iter_rows(min_row=3001, values_only=True))
    assert values == [("客户2999", 2999, datetime(2026, 1, 1))]


def test_column_letters():
    assert [xlsx.column_letters(n) for n in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
