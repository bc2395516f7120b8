# Role Advisor — container image (builds with the classic builder or BuildKit).
#   docker build -t role-advisor .
#   docker run -e TELEGRAM_BOT_TOKEN=… -v advisor-data:/data role-advisor telegram
# EXTRAS chooses the optional parts installed: telegram, discord, postgresql (comma-separated).
# Behind a TLS-inspecting proxy or with a private package index (used by the build stage only; the
# final image installs from the wheels built there and keeps none of these):
#   --build-arg EXTRA_CA_CERTS="$(cat proxy-ca.crt)"          PEM certificates pip must trust too
#   --build-arg PIP_INDEX_URL=https://pypi.example.org/simple  also PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG EXTRAS=telegram,discord,postgresql
ARG EXTRA_CA_CERTS=
ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_TRUSTED_HOST=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
# An empty argument is no setting (compose passes unset ones as ""). Extra certificates are added to
# pip's own bundle in a file of this stage only.
RUN for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST; do \
      eval "[ -n \"\$$v\" ]" || unset "$v"; \
    done; \
    if [ -n "$EXTRA_CA_CERTS" ]; then \
      cat "$(python -c 'import pip._vendor.certifi as c; print(c.where())')" > /tmp/ca.pem \
      && printf '%s\n' "$EXTRA_CA_CERTS" >> /tmp/ca.pem \
      && export PIP_CERT=/tmp/ca.pem; \
    fi; \
    pip wheel --no-cache-dir --wheel-dir /wheels ".[${EXTRAS}]"

FROM python:${PYTHON_VERSION}-slim
ARG EXTRAS=telegram,discord,postgresql
COPY --from=build /wheels /wheels
RUN PIP_ROOT_USER_ACTION=ignore pip install --no-cache-dir --no-index --find-links=/wheels "role-advisor[${EXTRAS}]" \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 advisor \
    && mkdir -p /data /knowledge \
    && chown advisor /data
# State lives in the /data volume (SQLite by default, or ROLE_ADVISOR_DATABASE_URL=postgresql://…).
# The knowledge base ships in the package; mount a directory of profiles on /knowledge and set
# ROLE_ADVISOR_KNOWLEDGE=/knowledge to use your own.
ENV ROLE_ADVISOR_DATA_DIR=/data \
    ROLE_ADVISOR_CACHE_DIR=/home/advisor/.cache/role-advisor \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER advisor
WORKDIR /home/advisor
# The bots are PID 1 and stop on SIGTERM themselves (python-telegram-bot's handler, the Discord
# adapter's own), closing the database pool: `docker stop` takes well under its 10 s grace.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["role-advisor", "health"]
ENTRYPOINT ["role-advisor"]
CMD ["telegram"]
