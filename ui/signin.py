"""Who is using the page when a deployment turns sign-in on (``CHAT_REC_UI_SIGN_IN``).

``none`` (default): nobody is signed in and the sidebar's name picker chooses the user,
as in a local single-user run. ``header``: a reverse proxy that authenticates people
puts their name in ``CHAT_REC_UI_USER_HEADER`` (default ``X-Forwarded-User``); only run
this behind such a proxy, since anyone reaching Streamlit directly could set the header.
``oidc``: Streamlit's built-in ``st.login`` (configure ``[auth]`` in
``.streamlit/secrets.toml``); the user is the signed-in email.

Deliberately left out: mapping one person to several profiles.
"""

from __future__ import annotations

import streamlit as st

from chat_rec.settings import Settings


def signed_in_user(settings: Settings) -> str | None:
    """The signed-in user's name, None when sign-in is off; stops the page when nobody is signed in."""
    if settings.ui_sign_in == "none":
        return None
    if settings.ui_sign_in == "header":
        name = (st.context.headers.get(settings.ui_user_header) or "").strip()
        if not name:
            st.error(
                f"Sign-in is on, but the request has no {settings.ui_user_header} header. "
                "Open the page through the sign-in proxy, or set CHAT_REC_UI_SIGN_IN=none for a local run."
            )
            st.stop()
        return name
    if not st.user.is_logged_in:
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    name = str(st.user.get("email") or st.user.get("name") or "").strip()
    if not name:
        st.error("The sign-in provider gave no email or name; check its scopes (openid email profile).")
        st.stop()
    return name
