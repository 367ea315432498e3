"""ui/prepared.py: a prepared file stays offered across reruns of the same view, is made again only on request
for another view, and is dropped from the session once no run offers it."""

from streamlit.testing.v1 import AppTest


def app() -> None:
    import streamlit as st

    from ui import prepared

    prepared.new_run(st.session_state.get("page", "A"))
    if st.session_state.get("offer", True):

        def make() -> bytes:
            st.session_state["made"] = st.session_state.get("made", 0) + 1
            return f"file for view {st.session_state.get('view', 1)}".encode()

        got = prepared.prepared("f", ("view", st.session_state.get("view", 1)), lambda: st.button("Prepare"), make)
        st.markdown(f"got={got!r}")


def shown(at: AppTest) -> str:
    return at.markdown[0].value if at.markdown else ""


def test_a_prepared_file_is_kept_for_its_view_and_dropped_when_no_run_offers_it():
    at = AppTest.from_function(app).run()
    assert shown(at) == "got=None" and "prepared:f" not in at.session_state
    at.button[0].click().run()
    # Made in this run: the button is gone at once (the download takes its place), not at the next rerun.
    assert shown(at) == "got=b'file for view 1'" and at.session_state["made"] == 1 and not at.button
    at.run().run()  # reruns of the same view: the same file, not made again, no button
    assert shown(at) == "got=b'file for view 1'" and at.session_state["made"] == 1 and not at.button
    at.session_state["view"] = 2  # another view: the old file is dropped, the button offered again
    at.run()
    assert shown(at) == "got=None" and "prepared:f" not in at.session_state and at.button
    at.button[0].click().run()
    assert shown(at) == "got=b'file for view 2'" and at.session_state["made"] == 2
    at.session_state["offer"] = False  # a run of the same page that did not reach the offer (cut short): kept
    at.run()
    assert "prepared:f" in at.session_state
    at.session_state["page"] = "B"  # another page: dropped
    at.run()
    assert "prepared:f" not in at.session_state
