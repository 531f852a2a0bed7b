#!/usr/bin/python3
"""A token server for docker-registry's token auth, for the tests only.

token-server.py PORT KEY CERT ISSUER SERVICE [USER:PASSWORD]

Answers GET /token?service=..&scope=.. with a JWT (RS256, the signing
certificate in x5c) granting what the scope asks; with USER:PASSWORD the
request must carry them as Basic credentials.  Counts requests in
/count (tests check tokens are reused).  Listens on 127.0.0.1 only."""
import base64, http.server, json, subprocess, sys, time, os

port, key, cert, issuer, service = sys.argv[1:6]
creds = sys.argv[6] if len(sys.argv) > 6 else None
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                     capture_output=True, check=True).stdout
count = 0


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(scope, account):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    access = []
    if scope:
        typ, name, actions = scope.split(":", 2)
        access.append({"type": typ, "name": name, "actions": actions.split(",")})
    now = int(time.time())
    claims = {"iss": issuer, "sub": account or "", "aud": service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                         capture_output=True, check=True).stdout
    return signing + "." + b64(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global count
        from urllib.parse import urlparse, parse_qs
        u = urlparse(self.path)
        if u.path == "/count":
            return self.reply(200, {"count": count})
        q = parse_qs(u.query)
        count += 1
        account = None
        if creds:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic ") or base64.b64decode(auth[6:]).decode() != creds:
                return self.reply(401, {"details": "invalid credentials"})
            account = creds.split(":")[0]
        t = token(q.get("scope", [""])[0], account)
        self.reply(200, {"token": t, "access_token": t, "expires_in": 300})


http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
