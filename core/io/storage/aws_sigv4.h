#pragma once

#include "io/storage/aws_credentials.h"
#include "io/storage/http_client.h"

#include <chrono>
#include <string>
#include <string_view>

namespace ckpt {

/// What `x-amz-content-sha256` (and the last line of the canonical request) carries.
enum class AwsPayloadSigning {
    Hashed, ///< hex SHA-256 of the body: S3 rejects a body that changed in transit
    Unsigned, ///< the literal "UNSIGNED-PAYLOAD": no hashing (large uploads over TLS)
};

/// Signs `req` in place with AWS Signature Version 4 (Authorization header form), valid for about
/// 15 minutes after `now`. Adds `host` (from req.url, with the port when it is not the scheme's
/// default), `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (when the credentials
/// carry a session token) and `Authorization`, replacing any earlier copies, so a request may be
/// signed again. Every other header in req.headers with a non-empty value is signed too, except
/// hop-by-hop ones (connection, expect, keep-alive, te, trailer, transfer-encoding, upgrade,
/// proxy-*, user-agent); they must reach the server byte-identical (modulo case and surrounding
/// spaces). `req.range` is signed as `range:bytes=FIRST-LAST`, so the sender must write exactly
/// that header. Anonymous credentials leave `req` untouched. Thread-safe.
/// Throws Exception{InvalidArgument} (file = req.displayName) for a URL that is not absolute
/// http(s), an empty region or service, or a request with both req.range and a Range header.
void signAwsV4(HttpRequest &req, const AwsCredentials &creds, const std::string &region, const std::string &service,
    std::chrono::system_clock::time_point now, AwsPayloadSigning payload = AwsPayloadSigning::Hashed);

/// The intermediate values of one signature (for tests and diagnostics; no secret in them).
struct AwsV4Signature {
    std::string amzDate; ///< "20130524T000000Z"
    std::string scope; ///< "20130524/us-east-1/s3/aws4_request"
    std::string canonicalRequest;
    std::string signedHeaders; ///< "host;range;x-amz-content-sha256;x-amz-date"
    std::string stringToSign;
    std::string signature; ///< 64 lower-case hex digits
    std::string authorization; ///< the Authorization header value
};

/// signAwsV4(), returning what it computed (all fields empty for anonymous credentials).
AwsV4Signature signAwsV4Detailed(HttpRequest &req, const AwsCredentials &creds, const std::string &region,
    const std::string &service, std::chrono::system_clock::time_point now,
    AwsPayloadSigning payload = AwsPayloadSigning::Hashed);

/// A canonical request and its signed-headers list.
struct AwsCanonicalRequest {
    std::string text;
    std::string signedHeaders;
};

/// The canonical request of `req` as it stands (no headers added; `host` must already be among
/// req.headers for a valid signature), ending in `payloadHash`. Same header rules as signAwsV4().
AwsCanonicalRequest awsCanonicalRequest(const HttpRequest &req, std::string_view payloadHash);

/// Canonical URI of an (already percent-encoded) URL path, S3 rules: each '/'-separated segment is
/// decoded once and re-encoded with only RFC 3986 unreserved characters kept, so "%7E" becomes
/// "~", "$" becomes "%24", "%2F" stays "%2F" and nothing is encoded twice; "" becomes "/".
std::string awsCanonicalUri(std::string_view encodedPath);

/// Canonical query string of an (already encoded) query without the '?': each name and value
/// decoded once ('+' is a literal plus) and re-encoded, sorted by encoded name then value, joined
/// with '&'; a bare name becomes "name=".
std::string awsCanonicalQuery(std::string_view encodedQuery);

/// "AWS4-HMAC-SHA256\n" amzDate "\n" scope "\n" hex(SHA-256(canonicalRequest)).
std::string awsStringToSign(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest);

/// The 32-byte signing key HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request"); `date` is "YYYYMMDD". Raw bytes (use awsHex() to show them).
std::string awsSigningKey(
    std::string_view secret, std::string_view date, std::string_view region, std::string_view service);

/// UTC time as "YYYYMMDDTHHMMSSZ" (seconds truncated).
std::string awsAmzDate(std::chrono::system_clock::time_point t);

/// The `host` header value of an absolute URL: host lower-cased, ":port" only when the port is
/// not 80 for http or 443 for https; IPv6 literals keep their brackets. Throws
/// Exception{InvalidArgument} for a URL that is not absolute http(s).
std::string awsHostHeader(std::string_view url);

/// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) and,
/// when `keepSlash`, '/'; hex digits are upper-case (SigV4 UriEncode).
std::string awsUriEncode(std::string_view text, bool keepSlash);

/// Lower-case hex of SHA-256(data).
std::string awsSha256Hex(std::string_view data);

/// Raw 32-byte HMAC-SHA256(key, data).
std::string awsHmacSha256(std::string_view key, std::string_view data);

/// Lower-case hex of raw bytes.
std::string awsHex(std::string_view bytes);

} // namespace ckpt
