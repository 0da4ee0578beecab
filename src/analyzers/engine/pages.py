"""HTML pages of the reports: the shell around each analyzer's body, and the index (executive summary)."""
import html
from typing import Any, Dict, List


def navigation(docs: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [{"href": d["analyzer"] + ".html", "label": d["title"], "category": d["category"]} for d in docs]


def analyzer_page(analyzer, doc: Dict[str, Any], nav=None) -> str:
    body = analyzer.render(doc)
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head><body><h1>%s</h1>%s</body></html>" % (
        html.escape(doc["title"]), html.escape(doc["title"]), body)


def index_page(docs: List[Dict[str, Any]], nav=None) -> str:
    links = "".join("<li><a href=\"%s.html\">%s</a></li>" % (d["analyzer"], html.escape(d["title"])) for d in docs)
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Summary</title></head><body><h1>Summary</h1><ul>%s</ul></body></html>" % links
