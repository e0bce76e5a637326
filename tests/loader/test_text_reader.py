"""The text reader on small tables written here, one way of setting a table per test: rows are
found by the institutions they name, not by tabs. Pure Python: no database."""

from __future__ import annotations

import pytest

from loader.report import parse_report
from loader.report.readers.text import read_text
from loader.report.tables import client_name, product_name

HEAD = "中小企业金融产品与\n业务创新指引\n\n2024年5月\n\n北京某某咨询有限公司\n\n第一章 同业创新\n\n"
CAPTION = "表 1 2024年5月中小企业信贷业务创新汇总\n\n"
SOURCE = "\n信息来源:公开资料整理\n\n第二章 其他\n"

A = "2024年5月9日,工商银行浙江省衢州市江山支行成功落地全市首笔“浙科e贷”100万元。"
A2 = "该产品为科技型中小企业提供纯信用融资支持。"
B = "2024年5月12日,湖南张家界某民宿经营主戴女士收到来自交行张家界分行的45万元贷款支持。"
C = "2024年5月20日,兴业银行济南分行为山东日照某企业发放固定资产贷款3.04亿元。"


def _rows(text: str) -> list[list[str]]:
    layout = read_text(HEAD + CAPTION + text + SOURCE)
    (table,) = layout.tables
    return [[" ".join(c.split()) for c in row.cells] for row in table.rows]


def _names(text: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in _rows(text)]


def test_tab_separated_rows():
    text = (
        "银行名称\t新推金融产品\t产品创新点\n"
        f"工商银行浙江 省衢州市江山 支行\t“浙科 e 贷”\t{A}\n"
        f"\t\t{A2}\n"
        f"交行张家界分 行\t“民宿贷”\t{B}\n"
    )
    rows = _rows(text)
    assert [r[0] for r in rows] == ["工商银行浙江省衢州市江山支行", "交行张家界分行"]
    assert rows[0][2] == f"{A} {A2}"
    assert rows[1][1] == "“民宿贷”"


def test_a_space_where_a_tab_was():
    text = (
        "银行名称 新推金融产品 产品创新点\n"
        f"工商银行浙江 省衢州市江山 支行 “浙科 e 贷” {A}\n{A2}\n"
        f"交行张家界分 行 “民宿贷” {B}\n"
        f"兴业银行济南分行 钢铁行业大气治 理 BOO 项目贷款 {C}\n"
    )
    assert _names(text) == [
        ("工商银行浙江省衢州市江山支行", "“浙科 e 贷”"),
        ("交行张家界分行", "“民宿贷”"),
        ("兴业银行济南分行", "钢铁行业大气治 理 BOO 项目贷款"),
    ]
    assert _rows(text)[0][2] == f"{A} {A2}"


def test_two_institutions_on_one_line_are_two_rows():
    text = (
        f"银行名称\t新推金融产品\t产品创新点\n交行张家界分行 民宿贷 {B} 兴业银行济南分行 大气治理贷款 {C}\n"
    )
    rows = _rows(text)
    assert [(r[0], r[1]) for r in rows] == [
        ("交行张家界分行", "民宿贷"),
        ("兴业银行济南分行", "大气治理贷款"),
    ]
    assert rows[0][2] == B and rows[1][2] == C


def test_a_description_before_its_bank_line():
    text = f"银行名称\t新推金融产品\t产品创新点\n{A}\n{A2}\n工商银行浙江省衢州市江山支行\n浙科e贷\n{B}\n交行张家界分行\n民宿贷\n"
    rows = _rows(text)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("工商银行浙江省衢州市江山支行", "浙科e贷", f"{A} {A2}"),
        ("交行张家界分行", "民宿贷", B),
    ]


def test_a_bank_alone_with_its_description_as_a_paragraph():
    text = f"银行机构\t业务介绍\n交行张家界分行\n\n{B}\n\n兴业银行济南分行\n\n{C}\n"
    assert _rows(text) == [["交行张家界分行", B], ["兴业银行济南分行", C]]


def test_cells_centred_vertically_split_a_description_around_its_bank():
    # The bank line sits in the middle of its description (centred cells), as exports come out.
    text = (
        "银行机构\t产品特点\n"
        "\t2024年5月9日,工商银行浙江省衢州市江山支行成功落地全市首笔\n"
        "工商银行浙江省衢州市江山支行\t“浙科e贷”100万元。该产品为科技型中小企业\n"
        "\t提供纯信用融资支持。\n"
        "\t2024年5月12日,湖南张家界某民宿经营主戴女士收到\n"
        "交行张家界分行\t来自交行张家界分行的45万元贷款支持。\n"
    )
    rows = _rows(text)
    assert [r[0] for r in rows] == ["工商银行浙江省衢州市江山支行", "交行张家界分行"]
    assert rows[0][1].startswith("2024年5月9日") and rows[0][1].endswith("提供纯信用融资支持。")
    assert rows[1][1].startswith("2024年5月12日") and "45万元" in rows[1][1]


def test_the_tail_of_a_description_on_the_next_bank_line_goes_back():
    text = (
        "银行名称\t新推金融产品\t产品创新点\n"
        "招商银行烟台分行\t结算业务\t某外资企业原采用来料加工模式,但在业\n"
        f"兴业银行济南分行\t大气治理贷款\t务实操中调整,最终成功落地山东省首笔结算业务。 {C}\n"
    )
    rows = _rows(text)
    assert rows[0][2].endswith("最终成功落地山东省首笔结算业务。")
    assert rows[1][2] == C


def test_a_name_wrapped_over_two_lines_and_a_name_whose_head_was_lost():
    text = (
        "银行\t新推业务\t详细内容\n"
        "北京农商银\t\t2024年5月10日,北京农商银行在企业网银平台成功上线数字人民币代发功能,\n"
        "行\t\t为企业客户提供便捷服务。\n"
        "\t金融服务方案\t2024年5月23日,浦发银行天津分行举办科技金融服务方案发布\n"
        "津分行\t\t会。\n"
    )
    names = [r[0] for r in _rows(text)]
    assert names == ["北京农商银行", "津分行"]
    report = parse_report(HEAD + CAPTION + text + SOURCE)
    assert [c.institution for c in report.cases] == ["北京农商银行", "浦发银行天津分行"]


def test_pdftotext_layout_columns():
    text = (
        "银行名称    新推金融产品 产品创新点\n"
        "\n"
        "交通银行湖 知识产权质押 2024年4月29日,交通银行湖南省分行为益阳市内某生物科技有限公司发放\n"
        "南省分行  外币贷款   知识产权质押外币融资27万美元。\n"
        "\n"
        "工商银行   “浙科 e 贷”    2024年5月9日,工商银行浙江省衢州市江山支行成功落地全市首笔\n"
        "浙江省衢               “浙科e贷”100万元,为科技型中小企业提供纯信用融资产品支持。\n"
        "州市江山支\n"
        "行\n"
    )
    assert _names(text) == [
        ("交通银行湖南省分行", "知识产权质押 外币贷款"),
        ("工商银行浙江省衢州市江山支行", "“浙科 e 贷”"),
    ]


def test_a_figures_row_without_its_bank_cell_starts_at_its_dated_sentence():
    text = (
        "银行名称\t小微信贷业务发展情况\n"
        "中国工商银行\t截至2024年4月末,中国工商银行制造业贷款余额突破4万亿元。\n"
        "\t截至2023年末,华夏银行绿色金融业务余额3592.61亿元。\n"
    )
    layout = read_text(HEAD + "表8 部分银行小微信贷业务规模动态\n\n" + text + "\n数据来源:整理\n")
    rows = layout.tables[0].rows
    assert [r.cells[0] for r in rows] == ["中国工商银行", ""]
    assert rows[1].cells[1].startswith("截至2023年末,华夏银行")


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("首笔“临担-助业 贷”业务", "临担-助业贷"),
        ("“银商保”业务", "银商保"),
        ("首个养老机构资 金监管平台", "养老机构资金监管平台"),
        ("小币种跨境汇款业务", "小币种跨境汇款业务"),
        ("大零号湾专属科技金融品牌——“零动智融”", "零动智融"),
        ("多功能自由贸易账户业务成功落地", "多功能自由贸易账户"),
        ("“产品碳足迹挂 钩”贷款", "产品碳足迹挂钩贷款"),
    ],
)
def test_product_names_drop_the_words_about_the_deal(cell, name):
    assert product_name(cell) == name


def test_an_empty_product_cell_takes_the_quoted_product_of_the_description():
    text = f"银行名称\t新推金融产品\t产品创新点\n交行张家界分行\t\t{B.replace('贷款支持', '“民宿贷”支持')}\n"
    (case,) = parse_report(HEAD + CAPTION + text + SOURCE).cases
    assert case.product == "民宿贷"


@pytest.mark.parametrize(
    ("description", "client"),
    [
        ("兴业银行南平分行为邵武市内一家环保科技企业发放贷款", "邵武市内一家环保科技企业"),
        ("南京银行宿迁分行为宿迁市某运动用品有限公司成功办理200万元", "宿迁市某运动用品有限公司"),
        ("该行为授信依据,惠及小微企业120户,合计发放贷款", ""),
        ("为进一步支持科技创新提供贷款", ""),
    ],
)
def test_a_client_is_an_organisation_or_nothing(description, client):
    assert client_name(description) == client


def test_an_issuer_read_from_the_body_when_the_heading_names_a_place():
    text = (
        HEAD
        + "第五章 各地政策\n\n一、四川省印发《关于落实财政金融政策有关事项的通知》\n"
        + "2024年5月20日,四川省财政厅印发《关于落实财政金融政策有关事项的通知》,提出十条措施。\n"
        + "二、北京市印发《北京市优化营商环境工作要点》\n"
        + "2024年5月21日,北京市印发工作要点,部署全年任务。\n"
    )
    issuers = [p.issuer for p in parse_report(text).policies]
    assert issuers == ["四川省财政厅", "北京市"]


def test_a_platform_under_a_bank_alone_is_its_product_not_a_row():
    text = f"银行名称\t新推金融产品\t产品创新点\n交行张家界分行\n供应链金融服务平台\n\n{B}\n兴业银行济南分行\n大气治理贷款\n\n{C}\n"
    assert _names(text) == [("交行张家界分行", "供应链金融服务平台"), ("兴业银行济南分行", "大气治理贷款")]


def test_a_table_that_lost_every_separator_is_reported_not_guessed():
    text = "银行名称\t新推金融产品\t产品创新点\n" + (B + C).replace(",", "") * 2 + "\n" + (C + B) + "\n"
    layout = read_text(HEAD + CAPTION + text + SOURCE)
    (table,) = layout.tables
    assert table.rows == [] and len(table.unplaced) == 2 and table.source_lines == 3


def test_an_empty_product_cell_without_a_quoted_name_takes_a_descriptive_one():
    desc = "2024年5月6日,民生银行上海分行落地上海吉祥航空股份有限公司2亿元转型贷款业务,支持航空运输企业转型。"
    text = f"银行名称\t新推金融产品\t产品创新点\n民生银行上海分行\t\t{desc}\n"
    (case,) = parse_report(HEAD + CAPTION + text + SOURCE).cases
    assert (case.product, case.product_descriptive) == ("转型贷款", True)
    assert case.amount == 200_000_000
