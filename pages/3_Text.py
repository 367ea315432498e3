"""Text: a preview of Text iQ-style analysis of the mention text, computed here from the stored term index."""

import streamlit as st

from ui import campaigns_view, rising_view, sentiment_view, suggest_view, text_views, topic_editor
from ui.frame import frame

view = frame("Text")
st.title("Text")
st.caption(
    f"{view.matched:,} matching mentions · **a preview of Text iQ-style analysis, computed by this app** "
    "(not Qualtrics Text iQ) · counts are mentions, a word said twice in one mention counts once"
)
text_views.copies_note(view)
section = text_views.section_picker()
stop = text_views.stoplist(view)
if section == "terms":
    text_views.terms(view, stop)
elif section == "phrases":
    text_views.phrases(view, stop)
elif section == "topics":
    topic_editor.topics(view)
elif section == "context":
    text_views.context(view)
elif section == "sentiment":
    sentiment_view.sentiment(view)
elif section == "rising":
    rising_view.section(view, stop)
elif section == "campaigns":
    campaigns_view.section(view)
elif section == "suggest":
    suggest_view.section(view, stop)
else:
    text_views.distinctive(view, stop)
