# Tessera's production-like image: the API and the app, on PostgreSQL given by compose.yaml.
# Debian trixie: its PostgreSQL client tools (17) can dump and restore the postgres:16 of
# compose.yaml (`tessera backup` needs pg_dump of the server's major version or newer).
FROM python:3.11-slim-trixie
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and a font with Arabic letters: WeasyPrint draws policy briefs' PDFs with them.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/tessera
COPY pyproject.toml README.md babel.cfg ./
COPY server ./server
COPY locales ./locales
COPY pwa ./pwa
# Editable, so that the package finds locales/ and pwa/ beside it, as in a clone.
RUN pip install --no-cache-dir -e . && tessera i18n compile
RUN useradd --system --home /srv/tessera tessera && mkdir -p var && chown tessera var
USER tessera
EXPOSE 8000
CMD ["tessera", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-workers"]
