"""The container files, checked statically (no Docker engine runs on the build machines), and the
configuration reference kept complete."""
import ast
import pathlib
import re
import tomllib

import yaml

from adapters.cli import build_parser

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _dockerfile():
    lines, cur = [], ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.strip().startswith("#"):
            continue
        cur += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            if cur.strip():
                lines.append(cur.strip())
            cur = ""
    return lines


def test_dockerfile_copies_only_what_exists_and_runs_as_non_root():
    lines = _dockerfile()
    froms = [l for l in lines if l.startswith("FROM ")]
    assert len(froms) == 2 and all("slim" in l for l in froms)  # multi-stage, slim base
    for l in lines:
        if l.startswith("COPY ") and "--from=" not in l:
            for src in l.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repository"
    users = [l.split()[1] for l in lines if l.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(l.startswith("HEALTHCHECK ") for l in lines)
    assert any(l.startswith("VOLUME ") and "/data" in l for l in lines)


def test_dockerfile_entry_point_and_extras_resolve():
    lines = _dockerfile()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry = [l for l in lines if l.startswith("ENTRYPOINT ")][-1]
    cmd = [l for l in lines if l.startswith("CMD ")][-1]
    assert ast.literal_eval(entry.split(" ", 1)[1]) == ["role-advisor"] and "role-advisor" in project["scripts"]
    module, func = project["scripts"]["role-advisor"].split(":")
    assert module == "adapters.cli" and func == "main"
    commands = build_parser()._subparsers._group_actions[0].choices
    assert ast.literal_eval(cmd.split(" ", 1)[1])[0] in commands
    health = [l for l in lines if l.startswith("HEALTHCHECK ")][0]
    assert "health" in commands and '"health"' in health
    extras = set(project["optional-dependencies"])
    for l in lines:
        if l.startswith("ARG EXTRAS="):
            assert set(l.split("=", 1)[1].split(",")) <= extras


def test_compose_example_is_consistent():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "postgres" in services
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, svc in services.items():
        if "build" not in svc:
            continue
        assert svc["build"]["context"] == "."
        assert set(svc["build"]["args"]["EXTRAS"].split(",")) <= set(project["optional-dependencies"])
        assert svc["command"][0] in commands
        assert svc["environment"]["ROLE_ADVISOR_DATABASE_URL"].startswith("postgresql://")


def test_compose_profiles_one_image_ports_and_password_outside_urls():
    """What the first trial of the stack found: each bot behind its own profile (Telegram starts
    without a Discord token), one image for every bot, the webhook servers published, the password
    never interpolated into a URL, PostgreSQL stopping fast."""
    raw = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    services = yaml.safe_load(raw)["services"]
    bots = {n: s for n, s in services.items() if "build" in s}
    assert set(bots) == {"telegram-1", "telegram-2", "discord"}
    assert len({s["image"] for s in bots.values()}) == 1  # built once, run three times
    for name, svc in bots.items():
        assert svc["profiles"] == [name.split("-")[0]]
        env = svc["environment"]
        assert "${" not in env["ROLE_ADVISOR_DATABASE_URL"] and "@postgres:" in env["ROLE_ADVISOR_DATABASE_URL"]
        assert env["ROLE_ADVISOR_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
        for key, value in env.items():  # a required (:?) variable of one profile would stop the others
            assert ":?" not in str(value) or key == "ROLE_ADVISOR_DATABASE_PASSWORD", (name, key)
    published = {n: [p.split(":")[0] for p in s["ports"]] for n, s in bots.items() if n.startswith("telegram")}
    assert published == {"telegram-1": ["8443"], "telegram-2": ["8444"]}
    assert all("--webhook" in s["command"] and s["command"][s["command"].index("--port") + 1] == "8443"
               for n, s in bots.items() if n.startswith("telegram"))
    assert services["postgres"]["stop_signal"] == "SIGINT"
    assert not re.search(r"://[^\s]*\$\{POSTGRES_PASSWORD", raw)


def test_dockerfile_takes_an_index_and_certificates_in_the_build_stage_only():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    build, final = text.split("\nFROM ", 2)[1:]
    for arg in ("EXTRA_CA_CERTS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST"):
        assert f"ARG {arg}=" in build and arg not in final
    assert "--no-index" in final


def _env_vars_in_code():
    found = set()
    pattern = re.compile(r"""(?:environ\.get|env\.get|getenv|environ\[|_int\(env, |_float\(env, |_kinds\(env, )\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    const = re.compile(r"""^[A-Z_]+_ENV\s*=\s*["']([A-Z][A-Z0-9_]+)["']""", re.M)
    for f in list((ROOT / "bot").glob("*.py")) + list((ROOT / "adapters").glob("*.py")):
        text = f.read_text(encoding="utf-8")
        found |= set(pattern.findall(text)) | set(const.findall(text))
    return {v for v in found if v.startswith(("ROLE_ADVISOR", "TELEGRAM", "DISCORD"))}


def test_every_environment_variable_is_in_the_readme_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ref = readme[readme.index("## Configuration"):]
    ref = ref[: ref.index("\n## ", 5)]
    found = _env_vars_in_code()
    assert len(found) > 20
    missing = sorted(v for v in found if f"`{v}`" not in ref)
    assert not missing, f"not in the README's configuration reference: {missing}"


def test_the_image_keeps_its_cache_in_the_users_home_not_in_tmp():
    """The profile cache is the bot user's own (issue: a cache under /tmp could be planted by anyone)."""
    env = " ".join(l for l in _dockerfile() if l.startswith("ENV "))
    m = re.search(r"ROLE_ADVISOR_CACHE_DIR=(\S+)", env)
    assert m and m.group(1).startswith("/home/advisor/") and not m.group(1).startswith("/tmp")
