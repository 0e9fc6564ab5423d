"""FAB's chart views drawn with the vendored Apache ECharts instead of Google Charts (no asset from another origin)."""
from __future__ import annotations

from flask_appbuilder.widgets import RenderTemplateWidget


class EChartsWidget(RenderTemplateWidget):
    """Takes FAB's chart data (Google DataTable JSON: cols and rows) and hands it to app/static/js/gems_charts.js."""

    template = "gems/echarts_chart.html"
