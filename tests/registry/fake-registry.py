#!/usr/bin/python3
"""A misbehaving registry, for the tests of what nook must refuse.

fake-registry.py PORT LAYOUT

Serves the one image of the OCI layout directory LAYOUT under every
repository name; the name says how to misbehave:
  good          the image as it is
  badblob       the first layer's bytes changed (same size)
  status401/403/404/429/500   every manifest request answered so
  badmanifest   a manifest that is not JSON
  bigmanifest   a manifest of 5 MiB
  redirect      the manifest redirects to itself
  midblob       the first layer stops half way (connection closed)
  bigblob       the first layer has more bytes than its descriptor says
  hang          the first layer stops half way and the connection hangs
  flaky         the first request for each blob is answered 503 (a retry works)
  arm64only     an index that offers linux/arm64 only
  schema1       a schema 1 manifest
Listens on 127.0.0.1 only."""
import hashlib, http.server, json, os, sys

port, layout = int(sys.argv[1]), sys.argv[2]


def blob(digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


index = json.load(open(os.path.join(layout, "index.json")))
manifest_desc = index["manifests"][0]
manifest = blob(manifest_desc["digest"])
m = json.loads(manifest)
first_layer = m["layers"][0]["digest"]
OCI = "application/vnd.oci.image.manifest.v1+json"
arm_index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [dict(manifest_desc, platform={"os": "linux", "architecture": "arm64"})]}).encode()


flaky_seen = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="application/json", headers=(), length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if self.path == "/v2/":
            return self.send(200, b"{}")
        parts = self.path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}')
        name, kind, ref = parts[2], parts[3], parts[4]
        if kind == "manifests":
            return self.manifest(name, ref)
        if kind == "blobs":
            return self.blob(name, ref)
        self.send(404)

    def manifest(self, name, ref):
        if name.startswith("status"):
            code = int(name[6:])
            return self.send(code, json.dumps({"errors": [{"code": "DENIED" if code == 403 else "UNAUTHORIZED" if code == 401 else "MANIFEST_UNKNOWN" if code == 404 else "UNKNOWN", "message": "fake %d" % code}]}).encode(),
                             headers=[("WWW-Authenticate", 'Basic realm="fake"')] if code == 401 else [])
        if name == "badmanifest":
            return self.send(200, b"{this is not json", OCI)
        if name == "bigmanifest":
            return self.send(200, b" " * (5 << 20), OCI)
        if name == "redirect":
            return self.send(302, b"", headers=[("Location", self.path)])
        if name == "schema1":
            return self.send(200, b'{"schemaVersion":1,"name":"x","tag":"latest","fsLayers":[]}',
                             "application/vnd.docker.distribution.manifest.v1+prettyjws")
        if name == "arm64only" and not ref.startswith("sha256:"):
            return self.send(200, arm_index, "application/vnd.oci.image.index.v1+json")
        self.send(200, manifest, OCI, headers=[("Docker-Content-Digest", manifest_desc["digest"])])

    def blob(self, name, digest):
        data = blob(digest)
        if name == "flaky" and digest not in flaky_seen:
            flaky_seen.add(digest)
            return self.send(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}')
        if digest == first_layer and name == "badblob":
            data = bytes([data[0] ^ 1]) + data[1:]
        if digest == first_layer and name == "bigblob":
            data = data + b"more"
        if digest == first_layer and name == "hang":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            import time
            time.sleep(60)
            return
        if digest == first_layer and name == "midblob":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send(200, data, "application/octet-stream")


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
