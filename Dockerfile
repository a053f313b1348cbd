# APEX production image: slim Python, Pango and fonts for PDFs, a non-root user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    APEX_ENV=production \
    APEX_VAR_DIR=/var/lib/apex

# Pango for WeasyPrint; Noto fonts cover Latin with diacritics, Greek, Cyrillic,
# Arabic and CJK names on certificates and workbooks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/apex apex \
 && mkdir -p /var/lib/apex && chown apex:apex /var/lib/apex

WORKDIR /srv/apex
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY courses ./courses
RUN pip install --no-deps . && python -c "import app.main"

USER apex
EXPOSE 8000
# Migrations first, then several workers. APEX_SECRET_KEY and APEX_DATABASE_URL must be
# set; production refuses to start without a secret key.
CMD ["sh", "-c", "apex db upgrade && exec apex serve --host 0.0.0.0 --port 8000 --workers ${APEX_WORKERS:-4}"]
