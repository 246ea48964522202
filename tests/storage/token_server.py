#!/usr/bin/env python3
"""Loopback OAuth2 token endpoint for the GCS credential tests (stdlib only).

Serves on 127.0.0.1:PORT and prints the port on the first line of stdout. It answers
  POST /token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer  - verifies the RS256
               signature against --public-key (pow(sig, e, n) against the PKCS#1 v1.5 DigestInfo of
               SHA-256(header.payload)) and the iss, aud, scope, iat and exp claims;
  POST /token  grant_type=refresh_token - checks client_id, client_secret and refresh_token;
  GET  /computeMetadata/v1/instance/service-accounts/default/token - with --metadata, requires
               "Metadata-Flavor: Google" and answers with that header;
  GET  /stats  - {"requests": N, "grants": {...}} counted over the token requests above.
Successes return {"access_token", "expires_in", "token_type": "Bearer"}; failures 400/401/403
with an OAuth error JSON. Each request's grant type and result are logged to stderr, never a
secret. The server exits when its stdin closes (so it cannot outlive the test that started it).
"""

import argparse
import base64
import hashlib
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
METADATA_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
# DER of DigestInfo{AlgorithmIdentifier{sha256, NULL}, OCTET STRING(32)} (RFC 8017 section 9.2).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def der_element(data, pos):
    """(tag, content start, content end) of the DER element at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return tag, pos, pos + length


def rsa_public_key_from_pem(text):
    """(n, e) from a PEM SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY")."""
    match = re.search(r"-----BEGIN (RSA )?PUBLIC KEY-----(.*?)-----END", text, re.S)
    if not match:
        raise ValueError("no PEM public key found")
    der = base64.b64decode("".join(match.group(2).split()))
    tag, start, end = der_element(der, 0)
    if not match.group(1):  # SPKI: SEQUENCE { AlgorithmIdentifier, BIT STRING { RSAPublicKey } }
        _, _, alg_end = der_element(der, start)
        tag, bits_start, _ = der_element(der, alg_end)
        if tag != 0x03:
            raise ValueError("SubjectPublicKeyInfo without a BIT STRING")
        der = der[bits_start + 1:]  # skip the unused-bits byte
        tag, start, end = der_element(der, 0)
    if tag != 0x30:
        raise ValueError("RSAPublicKey is not a SEQUENCE")
    _, n_start, n_end = der_element(der, start)
    _, e_start, e_end = der_element(der, n_end)
    return int.from_bytes(der[n_start:n_end], "big"), int.from_bytes(der[e_start:e_end], "big")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rs256_valid(signing_input, signature, n, e):
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(digest_info)) + b"\x00" + digest_info
    return pow(s, e, n).to_bytes(k, "big") == expected


class TokenServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, options, keys):
        super().__init__(address, Handler)
        self.options = options
        self.keys = keys
        self.lock = threading.Lock()
        self.requests = 0
        self.grants = {}
        self.issued = 0

    def count(self, grant):
        with self.lock:
            self.requests += 1
            self.grants[grant] = self.grants.get(grant, 0) + 1

    def new_token(self, grant):
        with self.lock:
            self.issued += 1
            return "ya29.test-%s-%d" % (grant, self.issued)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "token_server/1"

    def log_message(self, fmt, *args):  # the default logs the request line; we log our own
        pass

    def log(self, what):
        sys.stderr.write("token_server: %s\n" % what)
        sys.stderr.flush()

    def reply(self, status, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    # Each logs before it replies, so a client holding the answer finds the line already written.
    def token(self, grant, extra_headers=()):
        self.log("%s -> 200" % grant)
        self.reply(200, {"access_token": self.server.new_token(grant),
                         "expires_in": self.server.options.expires_in, "token_type": "Bearer"}, extra_headers)

    def refuse(self, grant, status, error, description):
        self.log("%s -> %d %s (%s)" % (grant, status, error, description))
        self.reply(status, {"error": error, "error_description": description})

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/stats":
            with self.server.lock:
                self.reply(200, {"requests": self.server.requests, "grants": dict(self.server.grants)})
            return
        if path == METADATA_PATH and self.server.options.metadata:
            self.server.count("metadata")
            if self.headers.get("Metadata-Flavor") != "Google":
                self.refuse("metadata", 403, "missing_flavor", "Metadata-Flavor: Google header required")
                return
            self.token("metadata", [("Metadata-Flavor", "Google")])
            return
        self.log("GET %s -> 404" % path)
        self.reply(404, {"error": "not_found", "error_description": path})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
        if urllib.parse.urlsplit(self.path).path != "/token":
            self.reply(404, {"error": "not_found"})
            return
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self.server.count("bad-content-type")
            self.refuse("?", 400, "invalid_request", "expected application/x-www-form-urlencoded")
            return
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        grant = form.get("grant_type", "")
        if grant == JWT_BEARER:
            self.server.count("jwt-bearer")
            self.jwt_bearer(form.get("assertion", ""))
        elif grant == "refresh_token":
            self.server.count("refresh_token")
            self.refresh_token(form)
        else:
            self.server.count("unknown")
            self.refuse(grant or "(none)", 400, "unsupported_grant_type", "unknown grant type")

    def jwt_bearer(self, assertion):
        grant = "jwt-bearer"
        parts = assertion.split(".")
        if len(parts) != 3:
            self.refuse(grant, 400, "invalid_grant", "assertion is not a compact JWS")
            return
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            header = claims = None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            self.refuse(grant, 400, "invalid_grant", "assertion is not base64url JSON objects")
            return
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            self.refuse(grant, 400, "invalid_grant", "header must say alg RS256, typ JWT")
            return
        options = self.server.options
        if options.kid is not None and header.get("kid") != options.kid:
            self.refuse(grant, 400, "invalid_grant", "unknown kid")
            return
        signing_input = (parts[0] + "." + parts[1]).encode()
        if not any(rs256_valid(signing_input, signature, n, e) for n, e in self.server.keys):
            self.refuse(grant, 400, "invalid_grant", "Invalid JWT Signature.")
            return
        audience = "http://%s%s" % (self.headers.get("Host", ""), urllib.parse.urlsplit(self.path).path)
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if options.iss is not None and claims.get("iss") != options.iss:
            problem = "iss is not the expected service account"
        elif claims.get("aud") != audience:
            problem = "aud is not " + audience
        elif claims.get("scope") != options.scope:
            problem = "scope is not " + options.scope
        elif not isinstance(iat, int) or not isinstance(exp, int) or not iat < exp <= iat + 3600:
            problem = "iat/exp missing, or exp not within an hour after iat"
        elif abs(iat - now) > 300:
            problem = "iat is not now"
        else:
            problem = None
        if problem:
            self.refuse(grant, 400, "invalid_grant", problem)
            return
        self.token(grant)

    def refresh_token(self, form):
        options = self.server.options
        if form.get("client_id") != options.client_id or form.get("client_secret") != options.client_secret:
            self.refuse("refresh_token", 401, "invalid_client", "Unauthorized")
            return
        if form.get("refresh_token") != options.refresh_token:
            self.refuse("refresh_token", 400, "invalid_grant", "Bad Request")
            return
        self.token("refresh_token")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed on stdout)")
    parser.add_argument("--public-key", action="append", default=[], metavar="PEM_FILE",
                        help="RSA public key that may sign assertions (repeatable)")
    parser.add_argument("--rsa-n", help="modulus in hex (with --rsa-e, instead of a PEM)")
    parser.add_argument("--rsa-e", default="10001", help="public exponent in hex")
    parser.add_argument("--iss", help="expected iss claim (the service account's client_email)")
    parser.add_argument("--kid", help="expected kid header")
    parser.add_argument("--scope", default=SCOPE, help="expected scope claim")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--refresh-token")
    parser.add_argument("--metadata", action="store_true", help="also serve the metadata-server token path")
    parser.add_argument("--expires-in", type=int, default=3600, help="lifetime of issued tokens, seconds")
    options = parser.parse_args()

    keys = []
    for path in options.public_key:
        with open(path) as f:
            keys.append(rsa_public_key_from_pem(f.read()))
    if options.rsa_n:
        keys.append((int(options.rsa_n, 16), int(options.rsa_e, 16)))

    server = TokenServer(("127.0.0.1", options.port), options, keys)
    print(server.server_address[1], flush=True)

    def stop_when_stdin_closes():
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
