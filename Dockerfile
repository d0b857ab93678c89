FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DEBUG=false STATIC_MANIFEST=true SECRET_KEY=build-only-key-build-only-key-build-only \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput
RUN useradd --system --home /srv/pingxiang pingxiang && mkdir -p /srv/pingxiang/media /srv/pingxiang/var \
    && chown -R pingxiang /srv/pingxiang
USER pingxiang
EXPOSE 8000
CMD ["gunicorn", "pingxiang.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
