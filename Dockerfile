# Role Advisor — container image.
#   docker build --build-arg EXTRAS=telegram,postgresql -t role-advisor .
#   docker run -e TELEGRAM_BOT_TOKEN=… -v advisor-data:/data role-advisor telegram
# EXTRAS chooses the optional parts installed: telegram, discord, postgresql (comma-separated).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG EXTRAS=telegram,discord
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[${EXTRAS}]"

FROM python:${PYTHON_VERSION}-slim
ARG EXTRAS=telegram,discord
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels "role-advisor[${EXTRAS}]" \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 advisor \
    && mkdir -p /data /knowledge \
    && chown advisor /data
# State lives in the /data volume (SQLite by default, or ROLE_ADVISOR_DATABASE_URL=postgresql://…).
# The knowledge base ships in the package; mount a directory of profiles on /knowledge and set
# ROLE_ADVISOR_KNOWLEDGE=/knowledge to use your own.
ENV ROLE_ADVISOR_DATA_DIR=/data \
    ROLE_ADVISOR_CACHE_DIR=/tmp/role-advisor-cache \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER advisor
WORKDIR /home/advisor
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["role-advisor", "health"]
ENTRYPOINT ["role-advisor"]
CMD ["telegram"]
