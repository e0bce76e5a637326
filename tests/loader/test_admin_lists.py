"""The import pages' read-only lists (loader.admin.bullet_list): one escaped item per row, the
row's values filling the item, and a dash when there is nothing to list."""

from loader.admin import bullet_list


def test_each_row_is_an_escaped_item():
    html = bullet_list([("<b>表1</b> row 3",), ("第五章",)])
    assert html == "<ul><li>&lt;b&gt;表1&lt;/b&gt; row 3</li><li>第五章</li></ul>"


def test_an_item_template_takes_all_of_a_rows_values():
    assert bullet_list(iter([("cases", 3), ("policies", 0)]), "<li>{}: {}</li>") == (
        "<ul><li>cases: 3</li><li>policies: 0</li></ul>"
    )


def test_nothing_to_list_is_a_dash():
    assert bullet_list(iter(())) == "—"
