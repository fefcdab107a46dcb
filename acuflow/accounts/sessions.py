"""The session engine (SESSION_ENGINE): Django's database sessions, with the lookup that
every request with a cookie makes compiled once (acuflow.core.prepared). Same table,
same rows: sessions written by Django's own database store stay valid."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from acuflow.core.prepared import MARKER_KEY, Prepared

_SESSION = Prepared(Session, lambda: Session.objects.filter(session_key=MARKER_KEY), key=MARKER_KEY)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        # Expiry is checked here rather than in the SQL: the compiled query cannot hold
        # a "now" that changes with every call. An expired row counts as no session.
        session = _SESSION.first(key=self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
