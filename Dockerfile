# GridMap under gunicorn, against the PostGIS server named by DATABASE_URL.
# The embedded PostGIS cluster of `make run` is not in this image: set
# DATABASE_URL (docker-compose.yml does). See docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=app:create_app \
    GRIDMAP_LOAD_DEMO=0

WORKDIR /srv/gridmap

# Dependencies first so code edits do not reinstall them. Every pinned
# package ships manylinux wheels (psycopg2-binary, shapely with GEOS, pyproj
# with PROJ), so the slim image needs no compiler or system libraries.
COPY requirements.txt ./
RUN pip install --upgrade pip==26.3 setuptools==84.2.1 \
 && pip install -r requirements.txt

COPY app/ app/
COPY geo/ geo/
COPY migrations/ migrations/
COPY static/ static/
COPY gunicorn.conf.py ./

# app/translations/ came with app/; the .mo files are not committed, compile
# them here (skipped while the project has no catalogues yet).
RUN if find app/translations -name '*.po' 2>/dev/null | grep -q .; then \
        pybabel compile -d app/translations; \
    fi \
 && python -m compileall -q app geo migrations

# instance/ holds the generated secret key (app/secret_key.py) when GRIDMAP_SECRET_KEY is
# not set: docker-compose.yml keeps it in a volume so sessions survive a new container.
RUN useradd --system --uid 10001 --user-group --home-dir /srv/gridmap --no-create-home gridmap \
 && mkdir -p instance && chown gridmap:gridmap instance && chmod 700 instance
USER gridmap

EXPOSE 5000

# Migrate, load the demo district into an empty database only when asked
# (GRIDMAP_LOAD_DEMO=1: its accounts get random passwords, printed once to the
# log; a demo account still having the README's password gets a new one), then
# replace the shell with gunicorn so it gets the signals. Serving (workers,
# threads, timeouts) is gunicorn.conf.py, as for `make run`; add options with
# GUNICORN_CMD_ARGS, e.g. "--workers 4".
ENTRYPOINT ["/bin/sh", "-c", "set -e; flask db upgrade; if [ \"$GRIDMAP_LOAD_DEMO\" = 1 ]; then flask demo load --if-empty; flask demo new-passwords; fi; exec \"$@\"", "gridmap"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--bind", "0.0.0.0:5000", "app:create_app()"]
