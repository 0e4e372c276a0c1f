#!/usr/bin/env python3
"""A fake BigQuery (REST API v2) and Google OAuth2 token endpoint for visivo's tests.

  POST /token                                         JWT-bearer grant; the RS256 assertion is
                                                      verified with --public-key (kid, iss, aud, scope, exp)
  POST /bigquery/v2/projects/<p>/queries              jobs.query
  GET  /bigquery/v2/projects/<p>/queries/<job>        jobs.getQueryResults (pageToken, timeoutMs)
  POST /bigquery/v2/projects/<p>/jobs/<job>/cancel    jobs.cancel

Queries run on an in-memory SQLite database (table `orders`), except: visivo_types (every
type, NULLs, edge values), visivo_many (2500 rows, pages of at most 1000). A comment
`/* wait:<seconds> */` keeps the job running that long (until cancelled).
Pages hold at most 1000 rows. TIMESTAMP values are int64 microseconds when the client asks
(formatOptions.useInt64Timestamp), float seconds otherwise.

Admin (see fakecloud.py), config keys: "token_lifetime" (seconds, default 3599),
"audience" (the `aud` assertions must carry; default this server's /token URL),
"revoke_now": true (every token issued so far is refused with 401 from then on),
"empty_first_page": true (a finished job's first page has no rows, only a page token).
"""

import argparse
import json
import re
import sqlite3
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs

sys.path.insert(0, __import__("os").path.dirname(__file__))
import fakecloud  # noqa: E402

ARGS = None
STATE = fakecloud.State()
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB_LOCK = threading.Lock()
DB.executescript("""
create table orders (id integer, region text, amount real, qty integer);
insert into orders values (1, 'east', 10.5, 1), (2, 'west', 20.25, 2), (3, 'east', 5.0, 3), (4, 'north', 7.75, 4);
""")

TOKENS = {}   # access token -> {"expires": t, "revoked": bool}
JOBS = {}     # job id -> job dict
PAGE = 1000


def f(name, type_, mode="NULLABLE", fields=None):
    d = {"name": name, "type": type_, "mode": mode}
    if fields:
        d["fields"] = fields
    return d


def v(x):
    return {"v": x}


TYPES_FIELDS = [
    f("id", "INTEGER", "REQUIRED"), f("num", "NUMERIC"), f("big", "BIGNUMERIC"), f("fl", "FLOAT"), f("ok", "BOOLEAN"),
    f("s", "STRING"), f("by", "BYTES"), f("d", "DATE"), f("dt", "DATETIME"), f("t", "TIME"), f("ts", "TIMESTAMP"),
    f("j", "JSON"), f("g", "GEOGRAPHY"), f("arr", "INTEGER", "REPEATED"),
    f("rec", "RECORD", fields=[f("a", "INTEGER"), f("b", "STRING")]),
    f("recs", "RECORD", "REPEATED", fields=[f("x", "FLOAT")]),
]
# TIMESTAMP cells hold microseconds here; rendered per the client's format option.
TYPES_ROWS = [
    ["1", "12345678901234567890.123456789", "123456789012345678901234567890.12345678901234567890123456789012345678",
     "0.1", "true", "h\u00e9llo \"q\" \u65e5\u672c", "SGVsbG8=", "2024-01-03", "2024-01-03T08:15:00", "08:15:00.250000",
     ("ts", 1704269700250000), '{"a":1,"b":[1.50,"x"]}', "POINT(1 2)", [v("1"), v("2")], {"f": [v("7"), v("x")]},
     [v({"f": [v("1.5")]}), v({"f": [v(None)]})]],
    ["2", None, None, None, None, None, None, None, None, None, None, None, None, [], None, []],
    ["3", "-0.5", "0", "NaN", "false", "", "", "1969-12-31", "1969-12-31T23:59:59.999999", "23:59:59",
     ("ts", -1), "null", "POINT(0 0)", [v("-9223372036854775808")], {"f": [v(None), v(None)]}, []],
]


def render(cell, int64_ts):
    if isinstance(cell, tuple) and cell[0] == "ts":
        micros = cell[1]
        if int64_ts:
            return str(micros)
        return "%.11E" % (micros / 1e6) if micros else "0.0"
    return cell


def api_error(status, reason, message, state):
    return status, {"error": {"code": status, "message": message,
                              "errors": [{"message": message, "domain": "global", "reason": reason}], "status": state}}


def parameter_values(body):
    """Named query parameters ({name, parameterType, parameterValue}) as sqlite3's `@name` values."""
    out = {}
    for p in body.get("queryParameters") or []:
        kind = (p.get("parameterType") or {}).get("type")
        value = (p.get("parameterValue") or {}).get("value")
        if value is not None and kind == "INT64":
            value = int(value)
        elif value is not None and kind == "FLOAT64":
            value = float(value)
        out[p["name"]] = value
    return out


def run_sqlite(sql, params=None):
    with DB_LOCK:
        try:
            cur = DB.execute(sql, params or {})
            rows = cur.fetchall() if cur.description else []
            names = [d[0] for d in (cur.description or [])]
        except sqlite3.Error as e:
            msg = str(e)
            if msg.startswith("no such table: "):
                name = msg.split(": ", 1)[1]
                return None, api_error(404, "notFound", "Not found: Table %s:%s.%s was not found in location US"
                                       % (ARGS.project, "analytics", name), "NOT_FOUND")
            return None, api_error(400, "invalidQuery", "Syntax error: " + msg + " at [1:1]", "INVALID_ARGUMENT")
    fields = []
    for i, name in enumerate(names):
        sample = next((r[i] for r in rows if r[i] is not None), None)
        fields.append(f(name, "INTEGER" if isinstance(sample, int) else "FLOAT" if isinstance(sample, float) else "STRING"))

    def text(x):
        if x is None:
            return None
        return repr(x) if isinstance(x, float) else str(x)
    return {"fields": fields, "rows": [[text(x) for x in r] for r in rows]}, None


def make_job(sql, location, params=None):
    low = sql.lower()
    wait = re.search(r"/\*\s*wait:(\d+(?:\.\d+)?)\s*\*/", low)
    job = {"id": "job_" + uuid.uuid4().hex, "location": location or "US", "done_at": time.time() + (float(wait.group(1)) if wait else 0),
           "cancelled": False, "result": None, "error": None}
    if "visivo_types" in low:
        job["result"] = {"fields": TYPES_FIELDS, "rows": TYPES_ROWS}
    elif "visivo_many" in low:
        job["result"] = {"fields": [f("n", "INTEGER"), f("label", "STRING"), f("half", "FLOAT")],
                         "rows": [[str(i), "row %d" % i, repr(i * 0.5)] for i in range(1, 2501)]}
    else:
        sql_without_wait = re.sub(r"/\*\s*wait:[^*]*\*/", "", sql)
        job["result"], job["error"] = run_sqlite(sql_without_wait, params)
    with STATE.lock:
        JOBS[job["id"]] = job
    return job


def wait_for(job, timeout_ms):
    deadline = time.time() + timeout_ms / 1000.0
    while time.time() < min(deadline, job["done_at"]):
        with STATE.lock:
            if job["cancelled"]:
                break
        time.sleep(0.02)
    with STATE.lock:
        if job["cancelled"]:
            return "cancelled"
    return "done" if time.time() >= job["done_at"] else "running"


def page(job, offset, max_results, int64_ts):
    ref = {"projectId": ARGS.project, "jobId": job["id"], "location": job["location"]}
    result = job["result"]
    with STATE.lock:
        empty_first = STATE.config.get("empty_first_page") and not job.get("empty_served")
        if empty_first:
            job["empty_served"] = True
    if empty_first:
        # A complete job whose first page holds no rows, only the token of the next.
        return {"kind": "bigquery#getQueryResultsResponse", "jobReference": ref, "schema": {"fields": result["fields"]},
                "totalRows": str(len(result["rows"])), "jobComplete": True, "pageToken": "pt-%d" % offset}
    size = min(max_results or PAGE, PAGE)
    rows = result["rows"][offset:offset + size]
    body = {"kind": "bigquery#getQueryResultsResponse", "jobReference": ref, "schema": {"fields": result["fields"]},
            "totalRows": str(len(result["rows"])), "jobComplete": True, "cacheHit": False, "totalBytesProcessed": "0"}
    if rows:
        body["rows"] = [{"f": [v(render(c, int64_ts)) for c in r]} for r in rows]
    if offset + size < len(result["rows"]):
        body["pageToken"] = "pt-%d" % (offset + size)
    return body


def running(job):
    return {"kind": "bigquery#queryResponse", "jobReference": {"projectId": ARGS.project, "jobId": job["id"], "location": job["location"]},
            "jobComplete": False}


class BigQueryHandler(fakecloud.Handler):
    def authorized(self):
        m = re.fullmatch(r"Bearer (\S+)", self.headers.get("Authorization", ""))
        with STATE.lock:
            if STATE.config.pop("revoke_now", False):
                for t in TOKENS.values():
                    t["revoked"] = True
            t = TOKENS.get(m.group(1)) if m else None
            ok = t is not None and not t["revoked"] and t["expires"] > time.time()
        if not ok:
            STATE.count("unauthorized")
            self.body_bytes()
            status, body = api_error(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                                     "login cookie or other valid authentication credential.", "UNAUTHENTICATED")
            self.send(status, body)
        return ok

    def route(self, method, path):
        if method == "POST" and path == "/token":
            return self.token()
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries", path)
        if method == "POST" and m:
            return self.query(m.group(1))
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", path)
        if method == "GET" and m:
            return self.results(m.group(1), m.group(2))
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)/cancel", path)
        if method == "POST" and m:
            return self.cancel(m.group(2))
        self.send(404, {"error": {"code": 404, "message": "no route " + path}})

    def token(self):
        STATE.count("token_requests")
        form = {k: vs[0] for k, vs in parse_qs(self.body_bytes().decode()).items()}

        def fail(description):
            STATE.log("token_errors", description)
            self.send(400, {"error": "invalid_grant", "error_description": description})

        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return fail("bad content type")
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return fail("unsupported grant_type")
        n, e, _ = fakecloud.load_public_key(open(ARGS.public_key).read())
        try:
            header, claims = fakecloud.verify_rs256(form.get("assertion", ""), n, e)
        except ValueError:
            return fail("Invalid JWT Signature.")
        t = fakecloud.now()
        audience = STATE.config.get("audience") or "http://127.0.0.1:%d/token" % STATE.port
        if header.get("kid") != ARGS.key_id:
            return fail("Invalid JWT: kid")
        if claims.get("iss") != ARGS.client_email:
            return fail("Invalid JWT: iss")
        if claims.get("aud") != audience:
            return fail("Invalid JWT: aud %s" % claims.get("aud"))
        if "https://www.googleapis.com/auth/bigquery" not in claims.get("scope", "").split():
            return fail("Invalid JWT: scope")
        if not (claims.get("iat", 0) <= t + 60 and claims.get("exp", 0) > t and claims["exp"] - claims["iat"] <= 3600):
            return fail("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
        lifetime = STATE.config.get("token_lifetime", 3599)
        token = "ya29.fake-" + uuid.uuid4().hex
        with STATE.lock:
            TOKENS[token] = {"expires": time.time() + lifetime, "revoked": False}
        STATE.count("tokens_issued")
        self.send(200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})

    def query(self, project):
        if not self.authorized():
            return
        body = self.body_json() or {}
        if project != ARGS.project:
            status, err = api_error(404, "notFound", "Not found: Project " + project, "NOT_FOUND")
            return self.send(status, err)
        if body.get("useLegacySql") is not False:
            status, err = api_error(400, "invalidQuery", "this fake speaks GoogleSQL only (useLegacySql must be false)", "INVALID_ARGUMENT")
            return self.send(status, err)
        STATE.count("queries")
        STATE.log("sql", body.get("query"))
        STATE.log("query_options", {k: body.get(k) for k in ("defaultDataset", "location", "maxResults", "timeoutMs", "formatOptions")})
        if body.get("requestId"):
            STATE.log("request_ids", body["requestId"])
        if body.get("queryParameters"):
            STATE.log("query_parameters", body["queryParameters"])
        job = make_job(body.get("query", ""), body.get("location"), parameter_values(body))
        int64_ts = bool((body.get("formatOptions") or {}).get("useInt64Timestamp"))
        self.answer(job, 0, body.get("maxResults"), body.get("timeoutMs", 10000), int64_ts)

    def results(self, project, job_id):
        if not self.authorized():
            return
        STATE.count("result_requests")
        p = self.params
        with STATE.lock:
            job = JOBS.get(job_id)
        if job is None or project != ARGS.project:
            status, err = api_error(404, "notFound", "Not found: Job %s:%s" % (project, job_id), "NOT_FOUND")
            return self.send(status, err)
        if p.get("location") and p["location"] != job["location"]:
            status, err = api_error(404, "notFound", "Not found: Job %s:%s.%s" % (project, p["location"], job_id), "NOT_FOUND")
            return self.send(status, err)
        offset = int(p["pageToken"][3:]) if p.get("pageToken") else 0
        if p.get("pageToken"):
            STATE.count("page_requests")
        self.answer(job, offset, int(p.get("maxResults") or PAGE), int(p.get("timeoutMs") or 10000),
                    p.get("formatOptions.useInt64Timestamp") == "true")

    def answer(self, job, offset, max_results, timeout_ms, int64_ts):
        state = wait_for(job, timeout_ms)
        if state == "cancelled":
            status, err = api_error(400, "stopped", "Job execution was cancelled: User requested cancellation", "INVALID_ARGUMENT")
            return self.send(status, err)
        if state == "running":
            return self.send(200, running(job))
        if job["error"]:
            return self.send(*job["error"])
        self.send(200, page(job, offset, max_results, int64_ts))

    def cancel(self, job_id):
        if not self.authorized():
            return
        self.body_bytes()
        with STATE.lock:
            job = JOBS.get(job_id)
            if job:
                job["cancelled"] = True
        STATE.log("cancels", job_id)
        self.send(200, {"kind": "bigquery#jobCancelResponse",
                        "job": {"jobReference": {"projectId": ARGS.project, "jobId": job_id}, "status": {"state": "DONE"}}})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--project", default="visivo-test")
    p.add_argument("--client-email", default="visivo-test@visivo-test.iam.gserviceaccount.com")
    p.add_argument("--key-id", default="test-key-id-1")
    p.add_argument("--public-key", required=True)
    ARGS = p.parse_args()
    fakecloud.serve(BigQueryHandler, STATE)


if __name__ == "__main__":
    main()
