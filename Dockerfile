FROM python:3.11-slim-bookworm
WORKDIR /app
COPY requirements.txt .
# CPU torch by default; the GPU worker image passes TORCH_INDEX for a CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --extra-index-url ${TORCH_INDEX} -r requirements.txt
COPY . .
ENV DEBUG=0 PYTHONUNBUFFERED=1
# DEBUG=1 for this one build step: the settings refuse to load with DEBUG off and no real SECRET_KEY.
RUN DEBUG=1 DATABASE_URL=postgres://x@localhost/x REDIS_URL=redis://localhost \
    python manage.py collectstatic --noinput
EXPOSE 8000
# uvicorn: uvloop, httptools and the sans-I/O websockets protocol (widgets/liveserver.py explains the choice).
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--loop", "uvloop", \
     "--http", "httptools", "--ws", "websockets-sansio", "--proxy-headers", "--no-access-log"]
