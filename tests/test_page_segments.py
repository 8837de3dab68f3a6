"""AppTest: the Segments page (profiles, charts, silhouette by k, exploring another k)."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import plotly.io
from conftest import open_page

PAGE = "pages/segments.py"


def _chart(app, key: str) -> go.Figure:
    return plotly.io.from_json(next(chart for chart in app.get("plotly_chart") if chart.key == key).proto.spec)


def _values(data: object) -> list:
    """A trace's x or y values; Plotly sends numeric arrays base64-encoded."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)



def test_segments_page_shows_the_committed_segments(app) -> None:
    open_page(app, PAGE)
    assert not app.exception
    profiles = app.dataframe[0].value
    assert profiles["Segment"].tolist() == [0, 1, 2, 3]
    assert profiles["Borrowers"].sum() == 5000 and profiles["Segment name"].str.contains("Income").all()
    silhouette = _chart(app, "segments_silhouette")
    assert _values(silhouette.data[0].x) == list(range(2, 9))
    assert any("committed model's 4 segments" in caption.value for caption in app.caption)


def test_changing_k_resegments_this_page_only(app) -> None:
    open_page(app, PAGE)
    app.select_slider(key="segments_k").set_value(3).run()
    assert not app.exception
    assert app.dataframe[0].value["Segment"].tolist() == [0, 1, 2]
    assert any("k=3" in info.value and "every other page still use k=4" in info.value for info in app.info)
    assert len(_chart(app, "segments_projection").data) == 3  # one trace per segment
    app.switch_page("pages/overview.py").run()
    by_segment = next(table.value for table in app.dataframe if "Segment" in table.value.columns)
    assert by_segment["Segment"].tolist() == [0, 1, 2, 3]


def test_chosen_axes_change_the_chart(app) -> None:
    open_page(app, PAGE)
    before = _chart(app, "segments_features")
    app.selectbox(key="segments_x").set_value("Age")
    app.selectbox(key="segments_y").set_value("Loan_Tenure").run()
    assert not app.exception
    after = _chart(app, "segments_features")
    assert before.layout.xaxis.title.text != "Age"
    assert (after.layout.xaxis.title.text, after.layout.yaxis.title.text) == ("Age", "Loan tenure")
    assert _values(after.data[0].x) != _values(before.data[0].x)
