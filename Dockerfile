# GridMap under gunicorn, against the PostGIS server named by DATABASE_URL.
# The embedded PostGIS cluster of `make run` is not in this image: set
# DATABASE_URL (docker-compose.yml does). See docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=app:create_app \
    GRIDMAP_LOAD_DEMO=1 \
    GUNICORN_CMD_ARGS="--workers 2 --timeout 120 --access-logfile -"

WORKDIR /srv/gridmap

# Dependencies first so code edits do not reinstall them. Every pinned
# package ships manylinux wheels (psycopg2-binary, shapely with GEOS, pyproj
# with PROJ), so the slim image needs no compiler or system libraries.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY app/ app/
COPY geo/ geo/
COPY migrations/ migrations/
COPY static/ static/

# app/translations/ came with app/; the .mo files are not committed, compile
# them here (skipped while the project has no catalogues yet).
RUN if find app/translations -name '*.po' 2>/dev/null | grep -q .; then \
        pybabel compile -d app/translations; \
    fi \
 && python -m compileall -q app geo migrations

RUN useradd --system --uid 10001 --user-group --home-dir /srv/gridmap --no-create-home gridmap
USER gridmap

EXPOSE 5000

# Migrate, load the demo district into an empty database (GRIDMAP_LOAD_DEMO=0
# skips it), then replace the shell with gunicorn so it gets the signals.
# Workers and timeouts: override GUNICORN_CMD_ARGS.
ENTRYPOINT ["/bin/sh", "-c", "set -e; flask db upgrade; if [ \"$GRIDMAP_LOAD_DEMO\" != 0 ]; then flask demo load --if-empty; fi; exec \"$@\"", "gridmap"]
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "app:create_app()"]
