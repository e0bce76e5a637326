"""What the API tests share: a GET that checks its status, the problem-details reader and a
valid partner submission."""

from __future__ import annotations


def get(api, url, status=200, **headers):
    response = api.get(url, HTTP_ACCEPT="application/json", **headers)
    assert response.status_code == status, response.content[:800]
    return response


def problem_fields(response) -> list:
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(body)
    assert body["status"] == response.status_code
    return [e["field"] for e in body["errors"]]


SUBMISSION = {
    "product": {
        "name": "数据资产质押贷（测试）",
        "institution": "交通银行湖南省分行",
        "category": "data-asset-pledge-loan",
        "themes": ["digital-finance"],
        "target_clients": "数据资源型科技企业",
        "collateral": "数据资产",
        "description": "以数据资产作质押。",
    },
    "case": {
        "date": "2024-05-20",
        "amount": "5000000",
        "currency": "CNY",
        "term_months": 12,
        "client": "长沙某数据服务企业",
        "province": "430000",
        "city": "长沙市",
        "summary": "凭数据资产登记证书获得500万元贷款。",
    },
    "sources": [
        {
            "title": "交通银行湖南省分行落地数据资产质押贷款",
            "url": "https://www.example.com/news/2024/05/20/data-pledge.html",
            "locator": "第2段",
            "excerpt": "凭数据资产登记证书获得500万元贷款",
        }
    ],
}
