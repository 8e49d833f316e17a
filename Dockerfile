# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
# A virtualenv copied whole into the runtime stage: no wheel files left in any layer.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The locked libraries, each checked against its hash: two builds a month apart get the same ones
# (requirements.lock: `uv pip compile --universal --generate-hashes`, see docs/first-hour.md).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
# yt-dlp, its EJS challenge scripts and the Deno runtime they run in are left out of the lock on
# purpose: YouTube breaks old yt-dlp releases within weeks, so every build takes the newest.
# Docker caches this layer: `docker compose build --no-cache`, or a new YTDLP_REFRESH value
# (`--build-arg YTDLP_REFRESH=$(date +%F)`), takes them anew. None of the three has a dependency.
ARG YTDLP_REFRESH=
RUN echo "yt-dlp taken newest (${YTDLP_REFRESH:-first build})" \
    && pip install --no-cache-dir --no-deps --upgrade yt-dlp yt-dlp-ejs deno
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
RUN pip install --no-cache-dir --no-deps . && pip check \
    && yt-dlp --version && deno --version | head -1
# yt-dlp needs ffmpeg to merge YouTube's separate video and audio streams (without it only the
# 360p single-file format is left). Debian's ffmpeg package drags in over 600 MB of codec, X11,
# Vulkan and LLVM libraries; the imageio-ffmpeg wheel's build is one 173 MB file needing only
# glibc. Where the wheel has no build for the platform, the runtime stage installs Debian's.
ARG FFMPEG_WHEEL=imageio-ffmpeg==0.8.1
RUN pip download --no-cache-dir --no-deps --only-binary=:all: -d /tmp/ffmpeg "$FFMPEG_WHEEL" \
    && python -m zipfile -e /tmp/ffmpeg/*.whl /tmp/ffmpeg/unpacked \
    && install -m 0755 /tmp/ffmpeg/unpacked/imageio_ffmpeg/binaries/ffmpeg-* /opt/venv/bin/ffmpeg \
    || echo "no ffmpeg build in the wheel for this platform: the runtime stage installs Debian's"; \
    rm -rf /tmp/ffmpeg && pip uninstall -y -q pip

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 DATA_DIR=/data WEB_PORT=8080
COPY --from=build /opt/venv /opt/venv
# tini is PID 1: it forwards SIGTERM to the bot and reaps children, so `migrate` and `check`
# stop on `docker stop` too (Python as PID 1 ignores SIGTERM without a handler).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && if ! ffmpeg -version >/dev/null 2>&1; then \
         rm -f /opt/venv/bin/ffmpeg && apt-get install -y --no-install-recommends ffmpeg; fi \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 medianest \
    && mkdir -p /data && chown medianest /data \
    && ffmpeg -version | head -1
USER medianest
WORKDIR /home/medianest
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4)"
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "medianest"]
CMD ["run"]
