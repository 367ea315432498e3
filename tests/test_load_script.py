"""bench/load.py speaks Streamlit's websocket protocol: sessions load a page and change its filters."""

import asyncio

from bench.load import drive
from tests.streamlit_server import Server


def test_sessions_over_the_websocket_change_filters_and_are_timed(demo_data_dir, tmp_path):
    server = Server(demo_data_dir, tmp_path / "streamlit.log", extra=["--server.disconnectedSessionTTL", "1"])
    try:
        result = asyncio.run(drive(server.url, 2, 3, 0.05, "Dashboard", server.proc.pid))
    finally:
        server.stop()
    # drive() itself fails if a change did not change the sidebar's count of matching mentions.
    assert result["title"] == "Dashboard"
    assert result["changes"] == 6 and 0 < result["p50"] <= result["p95"]
    assert result["rss_open"] > 50  # MB: the server process was measured, not this one
