"""The key that signs session and remember-me cookies (Flask's ``SECRET_KEY``).

Whoever knows the key can sign a session cookie for any user, the first
administrator included, so GridMap never runs with a key someone else knows:

- ``GRIDMAP_SECRET_KEY`` set: it is used, unless it is a published value (an
  old default, a placeholder from documentation) or too short to guess-proof,
  which stops start-up with a message naming the setting and the fix.
  Tests (``TESTING``) and ``flask --debug`` may use any key.
- not set: a random key is generated into ``instance/secret_key`` (mode 600)
  on the first start and read on every later one, so sessions survive a
  restart. gunicorn workers start side by side: the file is written under a
  temporary name and linked into place, so exactly one key wins and every
  worker reads that one.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from app.config import ConfigError

#: Shorter keys are refused outside tests: 32 random characters are ~190 bits.
MIN_LENGTH = 32

#: Values published in GridMap's history, its documentation and common examples.
KNOWN_KEYS = frozenset({
    "dev-only-change-me", "change-me", "changeme", "change_me", "please-change-me", "secret", "secret-key",
    "secret_key", "secretkey", "mysecret", "my-secret-key", "your-secret-key", "your_secret_key",
    "supersecret", "dev", "development", "devkey", "dev-key", "test", "testing", "default", "password",
    "gridmap", "gridmap-demo", "flask", "another-long-random-string", "a-long-random-password",
})

_FIX = ("Unset GRIDMAP_SECRET_KEY to let GridMap generate a random key into {file} (kept across restarts), "
        "or set a random value of at least {min} characters, e.g. the output of "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")


def key_file() -> Path:
    """Where the generated key lives: ``instance/secret_key`` (``GRIDMAP_INSTANCE_DIR`` moves it)."""
    from app.pgcluster import instance_dir

    return instance_dir() / "secret_key"


def weakness(key: str | bytes) -> str | None:
    """Why ``key`` must not sign cookies, or None when it may.

    >>> weakness("dev-only-change-me")
    'a published value'
    >>> weakness("x" * 40)
    'too repetitive'
    >>> weakness("Kq3v") is not None
    True
    >>> weakness(secrets.token_urlsafe(48)) is None
    True
    """
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in KNOWN_KEYS:
        return "a published value"
    if len(text) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if len(set(text)) < 8:
        return "too repetitive"
    return None


def resolve(config) -> str | bytes:
    """The key to use with ``config`` (a Flask config or dict); raises ConfigError for a weak one."""
    key = config.get("SECRET_KEY")
    if key:
        problem = weakness(key)
        if problem and not (config.get("TESTING") or config.get("DEBUG")):
            raise ConfigError(f"GRIDMAP_SECRET_KEY is {problem}: anyone who knows or guesses it can sign in "
                              "as any user. " + _FIX.format(file=key_file(), min=MIN_LENGTH))
        return key
    return load_or_create(key_file())


def load_or_create(path: Path) -> str:
    """The key in ``path``; a new random one when the file does not exist yet."""
    try:
        if not path.exists():
            _create(path)
        # Tighten a key file someone copied in with loose permissions.
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = path.read_text(encoding="utf-8").strip()
    except PermissionError as exc:
        raise ConfigError(f"cannot read or create the secret key file {path} ({exc.strerror}): run GridMap as "
                          "the user that owns it (chown it to that user), or set GRIDMAP_SECRET_KEY") from exc
    problem = weakness(key)
    if problem:
        raise ConfigError(f"the key in {path} is {problem}. Delete the file to have a new one generated "
                          "(everyone signs in again), or set GRIDMAP_SECRET_KEY.")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            # A hard link never replaces an existing file: the first worker's key wins,
            # and nobody can read a half-written one.
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
