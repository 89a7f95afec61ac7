"""Feeds every recorded gateway answer to the parser of a client generated
by openapi-python-client, the way the client reads a live answer.

    python3 parse_answers.py CLIENT_DIR ANSWERS_JSONL

CLIENT_DIR is the generated package's folder (`--meta none`); each line of
ANSWERS_JSONL is {"route", "status", "headers", "body"} (host-test
tests/it/clients.rs records them). The endpoint module of a route is found
by the URL it requests (`"url": "/v1/<route>"` in its source), so the test
does not depend on how the generator names modules. An answer passes when
`_build_response` with `raise_on_unexpected_status=True` returns a parsed
model: an undeclared status raises `UnexpectedStatus`, a body the declared
schema does not describe raises (a missing required member, a wrong type)
or parses to None. Prints one line per failure and exits 1 if any.
"""

import importlib
import json
import pathlib
import re
import sys
import traceback

import httpx


def endpoint_modules(client_dir):
    """{url: module} for every generated endpoint module."""
    client_dir = pathlib.Path(client_dir).resolve()
    sys.path.insert(0, str(client_dir.parent))
    package = client_dir.name
    modules = {}
    for path in sorted((client_dir / "api").rglob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text()
        urls = set(re.findall(r'"url":\s*"([^"]+)"', source))
        if len(urls) != 1:
            continue
        relative = path.relative_to(client_dir).with_suffix("")
        name = ".".join((package,) + relative.parts)
        modules[urls.pop()] = importlib.import_module(name)
    return package, modules


def main(client_dir, answers_path):
    package, modules = endpoint_modules(client_dir)
    client_module = importlib.import_module(package + ".client")
    errors_module = importlib.import_module(package + ".errors")
    client = client_module.Client(base_url="http://gateway.invalid", raise_on_unexpected_status=True)
    failures, parsed = [], 0
    for line in pathlib.Path(answers_path).read_text().splitlines():
        if not line.strip():
            continue
        answer = json.loads(line)
        url = "/v1/" + answer["route"]
        label = "%s %s" % (answer["status"], url)
        module = modules.get(url)
        if module is None:
            failures.append("%s: no generated endpoint requests %s" % (label, url))
            continue
        response = httpx.Response(
            answer["status"],
            headers=answer["headers"],
            content=answer["body"].encode(),
            request=httpx.Request("POST", "http://gateway.invalid" + url),
        )
        try:
            result = module._build_response(client=client, response=response)
        except errors_module.UnexpectedStatus:
            failures.append("%s: status not declared for this operation" % label)
            continue
        except Exception as e:  # the declared schema does not describe the body
            where = traceback.extract_tb(e.__traceback__)[-1]
            failures.append(
                "%s: %s: %s (at %s:%s) body %s"
                % (label, type(e).__name__, e, pathlib.Path(where.filename).name, where.lineno, answer["body"][:200])
            )
            continue
        if result.parsed is None:
            failures.append("%s: parsed to None" % label)
            continue
        parsed += 1
    for f in failures:
        print("FAIL " + f)
    print("parsed %d answers into their declared models; %d failed" % (parsed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
