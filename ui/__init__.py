"""The Streamlit chat UI (``streamlit run ui/app.py``, or ``chat-rec chat``)."""
