"""Extensions are created unbound here and initialised in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FSASession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData


class GridMapSession(_FSASession):
    """A session that honours an explicit ``bind``.

    Flask-SQLAlchemy always routes to the app's engine; the test suite pins
    every session to one connection inside a transaction (rolled back after
    each test), which needs the plain SQLAlchemy behaviour.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def commit_keeping_loaded(self) -> None:
        """Commit without expiring what the session holds, for a request that answers from what it has
        just written or read in this transaction: reading it again (a round trip, and the ORM's refresh
        of every object touched) would answer the same. Called as ``db.session().commit_keeping_loaded()``."""
        expire, self.expire_on_commit = self.expire_on_commit, False
        try:
            self.commit()
        finally:
            self.expire_on_commit = expire


# Named constraints so Alembic can drop/alter them reliably.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": GridMapSession})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# Keyed by client address; behind a reverse proxy set GRIDMAP_PROXY_HOPS so
# the address is the client's, not the proxy's (app.security). Counts live in
# the database (RATELIMIT_STORAGE_URI, app.rate_limits), shared by every worker.
from app import rate_limits as _rate_limits  # noqa: E402,F401  (registers the database:// scheme)

limiter = Limiter(key_func=get_remote_address)
