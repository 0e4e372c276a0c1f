#!/usr/bin/env python3
"""A fake Snowflake for visivo's tests: the REST protocol the official drivers use.

  POST /session/v1/login-request     password or SNOWFLAKE_JWT (RS256 verified with --public-key)
  POST /session/token-request        RENEW with the master token
  POST /queries/v1/query-request     JSON row format; big results in chunks
  GET  /queries/<id>/result          polling of a query that answered 333334
  POST /queries/v1/abort-request     cancels a running query (by requestId)
  POST /session?delete=true          ends a session
  GET  /chunks/<id>/<n>              result chunks ("pre-signed"), guarded by the chunk headers

Queries run on an in-memory SQLite database (table `orders`), except these, recognised
by a word in the SQL: visivo_types (one row of every type, a row of NULLs, edge values),
visivo_intervals (INTERVAL year-month and day-time values as Snowflake encodes them),
visivo_many (2500 rows: 500 inline + 2 chunks with chunkHeaders), visivo_many_qrmk (the
same with only `qrmk`, chunks gzip-compressed), visivo_async (answers 333334 twice
first), visivo_arrow (an Arrow result), visivo_echo_secrets (an error message that
repeats the session token and the password), system$wait(<seconds>) (sleeps until aborted).

Admin (see fakecloud.py), config keys: "session_query_limit": a session token expires
after serving that many queries (the client must renew it); "raw_gzip_chunks": gzip
chunks come without Content-Encoding.
"""

import argparse
import base64
import gzip
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
import uuid

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

SESSIONS = {}   # session token -> session dict
PENDING = {}    # query id -> {"polls": n, "response": ...}
CHUNKS = {}     # query id -> {"bodies": [...], "headers": {...}, "gzip": bool}
ABORTED = set()  # request ids


def col(name, type_, scale=None, precision=None):
    return {"name": name, "database": "TESTDB", "schema": "PUBLIC", "table": "T", "byteLength": None,
            "type": type_, "scale": scale, "precision": precision, "nullable": True, "collation": None, "length": None}


TYPES_ROWTYPE = [
    col("ID", "fixed", 0, 38), col("AMOUNT", "fixed", 2, 10), col("BIG", "fixed", 0, 38), col("F", "real"),
    col("T", "text"), col("B", "boolean"), col("D", "date"), col("TM", "time", 9),
    col("NTZ", "timestamp_ntz", 9), col("NTZ_MS", "timestamp_ntz", 3), col("LTZ", "timestamp_ltz", 9),
    col("TZ", "timestamp_tz", 9), col("V", "variant"), col("O", "object"), col("A", "array"), col("BIN", "binary"),
]
TYPES_ROWS = [
    ["1", "1.50", "99999999999999999999999999999999999999", "0.1", "h\u00e9llo w\u00f6rld \"q\" \u65e5\u672c", "1", "19725",
     "29700.000000000", "1704269700.000000000", "1704269700.250", "1704269700.123456789", "1704262500.000000000 1560",
     '{\n  "a": 1,\n  "b": [\n    1.50,\n    "x"\n  ]\n}', '{\n  "k": null\n}', "[\n  1,\n  2\n]", "48656C6C6F"],
    ["2"] + [None] * 15,
    ["3", "-0.25", "-12", "1.000000000000000e+20", "", "0", "-1", "0.000000000", "-1.500000000", "0.000",
     "0.000000000", "0.000000000 1080", '"just a string"', "{}", "[]", ""],
]


def new_id():
    return str(uuid.uuid4())


def result(rowtype, rows, chunks=None, chunk_headers=None, qrmk=None, total=None, fmt="json"):
    qid = new_id()
    data = {
        "parameters": [{"name": "TIMEZONE", "value": "America/Los_Angeles"}],
        "rowtype": rowtype, "rowset": rows, "total": total if total is not None else len(rows),
        "returned": total if total is not None else len(rows), "queryId": qid,
        "finalDatabaseName": "TESTDB", "finalSchemaName": "PUBLIC", "finalWarehouseName": "TEST_WH",
        "finalRoleName": "ANALYST", "numberOfBinds": 0, "statementTypeId": 4096, "version": 1,
        "queryResultFormat": fmt,
    }
    if chunks is not None:
        data["chunks"] = chunks
    if chunk_headers is not None:
        data["chunkHeaders"] = chunk_headers
    if qrmk is not None:
        data["qrmk"] = qrmk
    return qid, {"data": data, "code": None, "message": None, "success": True}


def sql_error(code, state, message):
    return {"data": {"internalError": False, "errorCode": code, "age": 0, "sqlState": state, "queryId": new_id(),
                     "line": -1, "pos": -1, "type": "COMPILATION"},
            "code": code, "message": message, "success": False, "headers": None}


def many_rows():
    return [[str(i), "row %d" % i, repr(i * 0.5)] for i in range(1, 2501)]


MANY_ROWTYPE = [col("N", "fixed", 0, 38), col("LABEL", "text"), col("HALF", "real")]


def chunked(qrmk_only):
    rows = many_rows()
    inline, parts = rows[:500], [rows[500:1500], rows[1500:]]
    key = base64.b64encode(hashlib.sha256(b"chunk-key").digest()).decode()
    qid, response = result(MANY_ROWTYPE, inline, chunks=[], total=len(rows))
    bodies = [",\n".join(json.dumps(r) for r in part).encode() for part in parts]
    if qrmk_only:
        required = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
                    "x-amz-server-side-encryption-customer-key": key}
        response["data"]["qrmk"] = key
    else:
        required = {"x-amz-server-side-encryption-customer-key": key,
                    "x-amz-server-side-encryption-customer-key-md5": "md5-of-key"}
        response["data"]["chunkHeaders"] = dict(required)
    base = "http://127.0.0.1:%d" % STATE.port
    response["data"]["chunks"] = [
        {"url": "%s/chunks/%s/%d?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=sig%d" % (base, qid, i, i),
         "rowCount": len(part), "uncompressedSize": len(body), "compressedSize": len(body)}
        for i, (part, body) in enumerate(zip(parts, bodies))]
    with STATE.lock:
        CHUNKS[qid] = {"bodies": bodies, "headers": required, "gzip": qrmk_only}
    return response


def binding_value(b):
    """A binding as the drivers send it ({type, value}), as Python's sqlite3 takes it."""
    v = b.get("value")
    if v is None:
        return None
    if b.get("type") == "FIXED":
        return int(v)
    if b.get("type") == "REAL":
        return float(v)
    return v


def run_sqlite(sql, params=None):
    with DB_LOCK:
        try:
            cur = DB.execute(sql, params or {})
            rows = cur.fetchall() if cur.description else []
            names = [d[0] for d in (cur.description or [])]
        except sqlite3.Error as e:
            msg = str(e)
            if msg.startswith("no such table: "):
                name = msg.split(": ", 1)[1].upper()
                return sql_error("002003", "42S02", "SQL compilation error:\nObject '%s' does not exist or not authorized." % name)
            return sql_error("001003", "42000", "SQL compilation error:\n" + msg)
    rowtype = []
    for i, name in enumerate(names):
        sample = next((r[i] for r in rows if r[i] is not None), None)
        if isinstance(sample, int):
            rowtype.append(col(name, "fixed", 0, 38))
        elif isinstance(sample, float):
            rowtype.append(col(name, "real"))
        else:
            rowtype.append(col(name, "text"))

    def text(v):
        if v is None:
            return None
        if isinstance(v, float):
            return repr(v)
        return str(v)
    return result(rowtype, [[text(v) for v in r] for r in rows])[1]


def execute(sql, request_id, params=None):
    low = sql.lower()
    wait = re.search(r"system\$wait\(\s*(\d+(?:\.\d+)?)", low)
    if wait:
        seconds = float(wait.group(1))
        deadline = time.time() + seconds
        while time.time() < deadline:
            with STATE.lock:
                if request_id in ABORTED:
                    STATE.log("aborted_queries", request_id)
                    return {"data": {"queryId": new_id()}, "code": "000604", "message": "SQL execution canceled", "success": False}
            time.sleep(0.05)
        return result([col("SYSTEM$WAIT(%g)" % seconds, "text")], [["waited %g seconds" % seconds]])[1]
    if "visivo_types" in low:
        return result(TYPES_ROWTYPE, TYPES_ROWS)[1]
    if "visivo_intervals" in low:
        # As Snowflake sends them in the JSON format: year-month intervals as months, with
        # the scale naming the subtype (0 YEAR TO MONTH, 1 YEAR, 2 MONTH); day-time
        # intervals as nanoseconds (precision's low 4 bits: the leading field precision).
        rowtype = [col("YM", "interval_year_month", 0, 2), col("Y", "interval_year_month", 1, 2),
                   col("M", "interval_year_month", 2, 2), col("DT", "interval_day_time", 9, 0x12)]
        rows = [["14", "24", "7", str(((1 * 86400 + 2 * 3600 + 3 * 60 + 4) * 10**9) + 5)],
                ["-14", "-24", "-7", str(-1500000000)],
                [None, None, None, None],
                ["0", "0", "0", str(123456789 * 86400 * 10**9)]]
        return result(rowtype, rows)[1]
    if "visivo_many_qrmk" in low:
        return chunked(qrmk_only=True)
    if "visivo_many" in low:
        return chunked(qrmk_only=False)
    if "visivo_arrow" in low:
        _, response = result(MANY_ROWTYPE, [], fmt="arrow")
        response["data"]["rowsetBase64"] = "QVJST1cx"
        return response
    if "visivo_async" in low:
        final = result([col("ANSWER", "fixed", 0, 38)], [["42"]])[1]
        qid = new_id()
        with STATE.lock:
            PENDING[qid] = {"polls": 2, "response": final}
        return in_progress(qid)
    return run_sqlite(sql, params)


def in_progress(qid):
    return {"data": {"queryId": qid, "getResultUrl": "/queries/%s/result" % qid},
            "code": "333334", "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
            "success": True}


def expired():
    return {"data": None, "code": "390112", "message": "Your session has expired. Please login again.", "success": False}


class SnowflakeHandler(fakecloud.Handler):
    def session(self):
        """The session of the Authorization token, or None (the response is then sent)."""
        auth = self.headers.get("Authorization", "")
        m = re.fullmatch(r'Snowflake Token="([^"]+)"', auth)
        if self.headers.get("Accept") != "application/snowflake":
            self.send(400, {"success": False, "message": "Accept must be application/snowflake"})
            return None
        with STATE.lock:
            s = SESSIONS.get(m.group(1)) if m else None
            if s is None:
                self.send(200, {"data": None, "code": "390104", "message": "User must login again to access the service.", "success": False})
                return None
            limit = STATE.config.get("session_query_limit")
            if s["expired"] or (limit is not None and s["uses"] >= limit):
                STATE.count("expired_answers")
                self.send(200, expired())
                return None
        return s

    def route(self, method, path):
        if method == "POST" and path == "/session/v1/login-request":
            return self.login()
        if method == "POST" and path == "/session/token-request":
            return self.renew()
        if method == "POST" and path == "/queries/v1/query-request":
            return self.query()
        if method == "POST" and path == "/queries/v1/abort-request":
            return self.abort()
        if method == "POST" and path == "/session":
            self.body_bytes()
            STATE.count("session_deletes")
            return self.send(200, {"success": True, "data": None})
        m = re.fullmatch(r"/queries/([^/]+)/result", path)
        if method == "GET" and m:
            return self.poll(m.group(1))
        m = re.fullmatch(r"/chunks/([^/]+)/(\d+)", path)
        if method == "GET" and m:
            return self.chunk(m.group(1), int(m.group(2)))
        self.send(404, {"message": "no route " + path})

    # -- session

    def login(self):
        STATE.count("login_requests")
        body = self.body_json() or {}
        d = body.get("data") or {}
        params = self.params
        STATE.log("login_params", {k: params.get(k) for k in ("warehouse", "databaseName", "schemaName", "roleName")})
        STATE.log("login_session_parameters", d.get("SESSION_PARAMETERS"))

        def fail(code, message):
            STATE.log("login_failures", code)
            self.send(200, {"data": None, "code": code, "message": message, "success": False, "headers": None})

        if not d.get("CLIENT_APP_ID") or "requestId" not in params:
            return fail("390101", "Bad login request.")
        if d.get("ACCOUNT_NAME", "").upper() != ARGS.account.upper() or d.get("LOGIN_NAME", "").upper() != ARGS.user.upper():
            return fail("390100", "Incorrect username or password was specified.")
        if d.get("AUTHENTICATOR") == "SNOWFLAKE_JWT":
            if not ARGS.public_key:
                return fail("390144", "JWT token is invalid.")
            n, e, der = fakecloud.load_public_key(open(ARGS.public_key).read())
            try:
                _, claims = fakecloud.verify_rs256(d.get("TOKEN", ""), n, e)
            except ValueError as err:
                STATE.log("jwt_errors", str(err))
                return fail("390144", "JWT token is invalid.")
            qualified = "%s.%s" % (ARGS.account.upper(), ARGS.user.upper())
            fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
            t = fakecloud.now()
            problems = []
            if claims.get("iss") != qualified + "." + fingerprint:
                problems.append("iss %r" % claims.get("iss"))
            if claims.get("sub") != qualified:
                problems.append("sub %r" % claims.get("sub"))
            if not (claims.get("iat", 0) <= t + 60 and claims.get("exp", 0) > t and claims["exp"] - claims["iat"] <= 3660):
                problems.append("iat/exp")
            if problems:
                STATE.log("jwt_errors", ", ".join(problems))
                return fail("390144", "JWT token is invalid.")
            STATE.log("login_methods", "jwt")
        else:
            if d.get("PASSWORD") != ARGS.password:
                return fail("390100", "Incorrect username or password was specified.")
            STATE.log("login_methods", "password")
        token, master = "ST-" + new_id(), "MT-" + new_id()
        with STATE.lock:
            sid = len(SESSIONS) + 1
            SESSIONS[token] = {"master": master, "uses": 0, "expired": False, "id": sid, "seq": 0}
        STATE.count("logins")
        self.send(200, {"data": {"token": token, "masterToken": master, "validityInSeconds": 3600,
                                 "masterValidityInSeconds": 14400, "sessionId": sid,
                                 "parameters": [{"name": "TIMEZONE", "value": "America/Los_Angeles"}],
                                 "sessionInfo": {"databaseName": params.get("databaseName"), "schemaName": params.get("schemaName"),
                                                 "warehouseName": params.get("warehouse"), "roleName": params.get("roleName")}},
                        "code": None, "message": None, "success": True})

    def renew(self):
        body = self.body_json() or {}
        m = re.fullmatch(r'Snowflake Token="([^"]+)"', self.headers.get("Authorization", ""))
        with STATE.lock:
            old = SESSIONS.get(body.get("oldSessionToken"))
            if not m or old is None or old["master"] != m.group(1) or body.get("requestType") != "RENEW":
                return self.send(200, {"data": None, "code": "390114", "message": "Authentication token has expired.  The user must authenticate again.", "success": False})
            token = "ST-" + new_id()
            SESSIONS[token] = {"master": old["master"], "uses": 0, "expired": False, "id": old["id"], "seq": old["seq"]}
            old["expired"] = True
        STATE.count("renewals")
        self.send(200, {"data": {"sessionToken": token, "validityInSecondsST": 3600, "masterToken": old["master"],
                                 "validityInSecondsMT": 14400, "sessionId": old["id"]},
                        "code": None, "message": None, "success": True})

    # -- queries

    def query(self):
        body = self.body_json() or {}
        s = self.session()
        if s is None:
            return
        rid = self.params.get("requestId")
        if not rid or not self.params.get("request_guid"):
            return self.send(400, {"success": False, "message": "requestId and request_guid are required"})
        sql = body.get("sqlText", "")
        if not sql.strip():
            STATE.count("empty_sql")
            return self.send(200, sql_error("000900", "42000", "SQL compilation error: Empty SQL statement."))
        with STATE.lock:
            s["uses"] += 1
            if body.get("sequenceId", 0) <= s["seq"]:
                STATE.log("sequence_errors", body.get("sequenceId"))
            s["seq"] = max(s["seq"], body.get("sequenceId", 0))
            seen = STATE.stats.setdefault("request_ids", [])
            if rid not in seen:
                seen.append(rid)
                STATE.stats["queries"] = STATE.stats.get("queries", 0) + 1
                STATE.stats.setdefault("sql", []).append(sql)
        STATE.count("query_requests")
        if "visivo_echo_secrets" in sql.lower():
            # A server message that (wrongly) repeats the session token and the password.
            token = re.fullmatch(r'Snowflake Token="([^"]+)"', self.headers.get("Authorization", "")).group(1)
            return self.send(200, sql_error("390999", "08001", "token %s for password %s rejected" % (token, ARGS.password)))
        bindings = body.get("bindings") or {}
        if bindings:
            STATE.log("bindings", bindings)
        # Snowflake's `:1` placeholders are SQLite named parameters of the same names.
        self.send(200, execute(sql, rid, {k: binding_value(v) for k, v in bindings.items()}))

    def poll(self, qid):
        s = self.session()
        if s is None:
            return
        STATE.count("polls")
        with STATE.lock:
            p = PENDING.get(qid)
            if p is None:
                return self.send(200, {"data": None, "code": "000709", "message": "Statement %s not found" % qid, "success": False})
            if p["polls"] > 0:
                p["polls"] -= 1
                return self.send(200, in_progress(qid))
        self.send(200, p["response"])

    def abort(self):
        body = self.body_json() or {}
        s = self.session()
        if s is None:
            return
        with STATE.lock:
            ABORTED.add(body.get("requestId"))
        STATE.log("aborts", body.get("requestId"))
        self.send(200, {"data": None, "code": None, "message": None, "success": True})

    def chunk(self, qid, index):
        STATE.count("chunk_requests")
        with STATE.lock:
            c = CHUNKS.get(qid)
        if c is None or index >= len(c["bodies"]):
            return self.send(404, "<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml")
        for k, v in c["headers"].items():
            if self.headers.get(k) != v:
                STATE.log("chunk_header_errors", k)
                return self.send(403, "<Error><Code>AccessDenied</Code><Message>missing %s</Message></Error>" % k,
                                 content_type="application/xml")
        STATE.count("chunks_served")
        body = c["bodies"][index]
        if c["gzip"]:
            # "raw_gzip_chunks": the gzip file as some storage proxies serve it, unannounced.
            headers = {} if STATE.config.get("raw_gzip_chunks") else {"Content-Encoding": "gzip"}
            return self.send(200, gzip.compress(body), content_type="binary/octet-stream", headers=headers)
        self.send(200, body, content_type="binary/octet-stream")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--account", default="TESTACCT")
    p.add_argument("--user", default="VISIVO")
    p.add_argument("--password", default="test-password")
    p.add_argument("--public-key")
    ARGS = p.parse_args()
    fakecloud.serve(SnowflakeHandler, STATE)


if __name__ == "__main__":
    main()
