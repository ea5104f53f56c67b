#!/usr/bin/env python3
"""Builds the seed corpora under fuzz/corpus/<target>/ from the project's own fixtures.

Sources: tests/fixtures/**/*.xml, proxies/*.xml, the XML snippets, expressions and JSONPath
tables inside the Rust tests (tests/*.rs, engine/src/**/*.rs), and the hand-written requests
in fuzz/seeds/request/. Existing corpus files are kept; seeds are named by content hash.
"""
import glob
import hashlib
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
NS = 'xmlns="http://ws.apache.org/ns/synapse"'
TOP = ("<proxy", "<sequence", "<api", "<definitions", "<template", "<endpoint", "<localEntry")


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    out = os.path.join(FUZZ, "corpus", target)
    os.makedirs(out, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def rust_sources():
    return sorted(glob.glob(os.path.join(ROOT, "tests", "**", "*.rs"), recursive=True)
                  + glob.glob(os.path.join(ROOT, "engine", "src", "**", "*.rs"), recursive=True)
                  + glob.glob(os.path.join(ROOT, "connectors", "**", "*.rs"), recursive=True))


def raw_strings(text):
    return re.findall(r'r#"(.*?)"#', text, flags=re.S)


def plain_strings(text):
    return [bytes(s, "utf-8").decode("unicode_escape", errors="replace")
            for s in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text)]


# --- XML documents --------------------------------------------------------------------------
xml_docs = []
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "**", "*.xml"), recursive=True)
                   + glob.glob(os.path.join(ROOT, "proxies", "*.xml"))):
    xml_docs.append(read(path))
for path in rust_sources():
    for s in raw_strings(read(path)):
        s = s.strip().replace("{{", "{").replace("}}", "}")
        if not s.startswith("<"):
            continue
        if s.startswith(TOP):
            xml_docs.append(s)
        else:  # a mediator snippet: wrap it in a named sequence
            xml_docs.append(f'<sequence {NS} name="snippet">{s}</sequence>')
for doc in xml_docs:
    write("config", doc)

# --- expressions and JSONPath ---------------------------------------------------------------
expressions, paths, bodies = set(), set(), set()
attr = re.compile(r'\b(?:expression|xpath|source)="([^"]*)"')
for doc in xml_docs:
    for e in attr.findall(doc):
        expressions.add(e.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                        .replace("&quot;", '"').replace("&apos;", "'"))
for path in rust_sources():
    text = read(path)
    for s in plain_strings(text) + raw_strings(text):
        t = s.strip()
        if re.match(r"^(json-eval\(|\$(ctx|trp|axis2|func):|get-property\()", t):
            expressions.add(t)
        elif re.match(r"^\$[.\[]|^\$$", t) and len(t) < 200:
            paths.add(t)
        if t.startswith(("{", "[")) and len(t) < 4000:
            bodies.add(t)
for e in expressions:
    m = re.match(r"^json-eval\((.*)\)$", e.strip(), flags=re.S)
    if m:
        paths.add(m.group(1))
bodies = sorted(b for b in bodies if b.count("{") == b.count("}"))
doc = ('{"s":"text","n":1.50,"big":6487648931392511233,"t":true,"z":null,"o":{"a":1,"b":[1,2]},'
       '"arr":[{"k":"x"},{"k":"y"}],"first-name":"Ann","2fa":"on","e":[]}')
samples = [doc, '{"id":7,"name":"A \\"quoted\\" name","items":[{"sku":"a","price":5},{"sku":"b","price":12}],'
           '"order":{"kind":"gold"},"flag":true,"accessToken":"t0k"}', "[1,2,3]", "null", '"s"', "<a>x</a>"]
for i, e in enumerate(sorted(expressions)):
    write("expression", e + "\n" + samples[i % len(samples)])
    write("expression", e)
for i, p in enumerate(sorted(paths)):
    write("jsonpath", p + "\n" + samples[i % 4])
    write("jsonpath", p + "\n" + bodies[i % len(bodies)] if bodies else p)

# --- requests -------------------------------------------------------------------------------
for path in sorted(glob.glob(os.path.join(FUZZ, "seeds", "request", "*"))):
    with open(path, "rb") as f:
        write("request", f.read())
routes = ["POST /services/fuzz", "POST /services/strict", "PUT /items/bulk/2024",
          "GET /items/7?q=a+b%21", "POST /services/unknown"]
for i, body in enumerate(bodies[:200]):
    route = routes[i % len(routes)]
    write("request", f"{route}\nContent-Type: application/json\nAction: urn:x\n\n{body}")

for target in ("config", "expression", "jsonpath", "request"):
    d = os.path.join(FUZZ, "corpus", target)
    print(f"{target}: {len(os.listdir(d)) if os.path.isdir(d) else 0} files", file=sys.stderr)
