#include "io/storage/aws_sigv4.h"

#include "base/error.h"
#include "io/storage/http_client.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

namespace ckpt {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers this signer writes itself; earlier copies are dropped before signing again.
constexpr std::array<std::string_view, 5> kOwnHeaders
    = {"authorization", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"};

// Headers a proxy or the HTTP library may add, drop or rewrite: never signed.
constexpr std::array<std::string_view, 9> kUnsignedHeaders = {"authorization", "connection", "expect", "keep-alive",
    "te", "trailer", "transfer-encoding", "upgrade", "user-agent"};

char lowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
    return out;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

// SigV4 "Trimall": outer spaces removed, inner runs of spaces collapsed to one.
std::string trimAll(std::string_view s)
{
    s = trim(s);
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (isSpace(c)) {
            if (!out.empty() && out.back() == ' ')
                continue;
            c = ' ';
        }
        out += c;
    }
    return out;
}

bool isUnreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~';
}

struct UrlParts {
    std::string_view scheme; // lower-case "http" or "https"
    std::string_view authority; // host[:port], userinfo removed
    std::string_view path; // may be empty
    std::string_view query; // without '?'
};

UrlParts splitUrl(std::string_view url, const std::string &displayName)
{
    UrlParts parts;
    const size_t schemeEnd = url.find("://");
    const std::string scheme = schemeEnd == std::string_view::npos ? std::string() : toLower(url.substr(0, schemeEnd));
    if (scheme != "http" && scheme != "https")
        fail(ErrorCategory::InvalidArgument, "cannot sign a request whose URL is not absolute http(s)", displayName);
    parts.scheme = scheme == "http" ? "http" : "https";
    std::string_view rest = url.substr(schemeEnd + 3);
    if (const size_t hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    const size_t authorityEnd = rest.find_first_of("/?");
    parts.authority = rest.substr(0, authorityEnd);
    if (const size_t at = parts.authority.rfind('@'); at != std::string_view::npos)
        parts.authority.remove_prefix(at + 1);
    if (parts.authority.empty())
        fail(ErrorCategory::InvalidArgument, "cannot sign a request whose URL has no host", displayName);
    rest = authorityEnd == std::string_view::npos ? std::string_view() : rest.substr(authorityEnd);
    const size_t queryStart = rest.find('?');
    parts.path = rest.substr(0, queryStart);
    if (queryStart != std::string_view::npos)
        parts.query = rest.substr(queryStart + 1);
    return parts;
}

std::string hostHeaderOf(std::string_view url, const std::string &displayName)
{
    const UrlParts parts = splitUrl(url, displayName);
    std::string_view host = parts.authority;
    std::string_view port;
    if (host.front() == '[') {
        const size_t close = host.find(']');
        if (close == std::string_view::npos)
            fail(ErrorCategory::InvalidArgument, "cannot sign a request whose URL has an unclosed IPv6 host",
                displayName);
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':')
                fail(ErrorCategory::InvalidArgument, "cannot sign a request whose URL has a malformed host",
                    displayName);
            port = host.substr(close + 2);
        }
        host = host.substr(0, close + 1);
    } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    if (host.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        fail(ErrorCategory::InvalidArgument, "cannot sign a request whose URL has a malformed host or port",
            displayName);
    while (port.size() > 1 && port.front() == '0')
        port.remove_prefix(1);
    const std::string_view defaultPort = parts.scheme == "http" ? "80" : "443";
    std::string out = toLower(host);
    if (!port.empty() && port != defaultPort) {
        out += ':';
        out += port;
    }
    return out;
}

std::string canonicalUriOf(std::string_view path)
{
    if (path.empty())
        return "/";
    std::string out;
    out.reserve(path.size() + path.size() / 4);
    size_t start = 0;
    while (true) {
        const size_t slash = path.find('/', start);
        out += awsUriEncode(percentDecode(path.substr(start, slash - start)), false);
        if (slash == std::string_view::npos)
            break;
        out += '/';
        start = slash + 1;
    }
    if (out.front() != '/')
        out.insert(out.begin(), '/');
    return out;
}

std::string canonicalHeaders(const HttpRequest &req, std::string &signedHeaders)
{
    std::vector<std::pair<std::string, std::string>> headers;
    headers.reserve(req.headers.size() + 1);
    bool haveRange = false;
    for (const HttpHeader &h : req.headers) {
        std::string name = toLower(trim(h.name));
        if (name.empty() || name.starts_with("proxy-")
            || std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), name) != kUnsignedHeaders.end())
            continue;
        std::string value = trimAll(h.value);
        if (value.empty())
            continue;
        haveRange = haveRange || name == "range";
        headers.emplace_back(std::move(name), std::move(value));
    }
    if (req.range) {
        if (haveRange)
            fail(ErrorCategory::InvalidArgument, "request has both a byte range and a Range header", req.displayName);
        headers.emplace_back(
            "range", "bytes=" + std::to_string(req.range->first) + "-" + std::to_string(req.range->last));
    }
    std::stable_sort(headers.begin(), headers.end(), [](const auto &a, const auto &b) { return a.first < b.first; });

    std::string out;
    signedHeaders.clear();
    for (size_t i = 0; i < headers.size(); ++i) {
        if (i > 0 && headers[i].first == headers[i - 1].first) {
            out.back() = ','; // repeated header: values joined with ',' in request order
            out += headers[i].second;
            out += '\n';
            continue;
        }
        out += headers[i].first;
        out += ':';
        out += headers[i].second;
        out += '\n';
        if (!signedHeaders.empty())
            signedHeaders += ';';
        signedHeaders += headers[i].first;
    }
    return out;
}

} // namespace

std::string awsUriEncode(std::string_view text, bool keepSlash)
{
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (isUnreserved(c) || (keepSlash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::string awsHex(std::string_view bytes)
{
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    return out;
}

std::string awsSha256Hex(std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
        fail(ErrorCategory::Io, "OpenSSL could not compute a SHA-256 digest");
    return awsHex(std::string_view(reinterpret_cast<const char *>(digest.data()), length));
}

std::string awsHmacSha256(std::string_view key, std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
            data.size(), mac.data(), &length))
        fail(ErrorCategory::Io, "OpenSSL could not compute an HMAC-SHA256");
    return {reinterpret_cast<const char *>(mac.data()), length};
}

std::string awsAmzDate(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    auto two = [](long v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
    std::string year = std::to_string(int(ymd.year()));
    year.insert(0, year.size() < 4 ? 4 - year.size() : 0, '0');
    return year + two(long(unsigned(ymd.month()))) + two(long(unsigned(ymd.day()))) + "T" + two(hms.hours().count())
        + two(hms.minutes().count()) + two(long(hms.seconds().count())) + "Z";
}

std::string awsHostHeader(std::string_view url)
{
    return hostHeaderOf(url, {});
}

std::string awsCanonicalUri(std::string_view encodedPath)
{
    return canonicalUriOf(encodedPath);
}

std::string awsCanonicalQuery(std::string_view encodedQuery)
{
    std::vector<std::pair<std::string, std::string>> params;
    size_t start = 0;
    while (start <= encodedQuery.size()) {
        size_t amp = encodedQuery.find('&', start);
        if (amp == std::string_view::npos)
            amp = encodedQuery.size();
        const std::string_view param = encodedQuery.substr(start, amp - start);
        if (!param.empty()) {
            const size_t eq = param.find('=');
            const std::string_view name = param.substr(0, eq);
            const std::string_view value = eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
            params.emplace_back(awsUriEncode(percentDecode(name), false), awsUriEncode(percentDecode(value), false));
        }
        start = amp + 1;
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto &[name, value] : params) {
        if (!out.empty())
            out += '&';
        out += name;
        out += '=';
        out += value;
    }
    return out;
}

AwsCanonicalRequest awsCanonicalRequest(const HttpRequest &req, std::string_view payloadHash)
{
    const UrlParts parts = splitUrl(req.url, req.displayName);
    AwsCanonicalRequest result;
    std::string headers = canonicalHeaders(req, result.signedHeaders);
    result.text = req.method;
    result.text += '\n';
    result.text += canonicalUriOf(parts.path);
    result.text += '\n';
    result.text += awsCanonicalQuery(parts.query);
    result.text += '\n';
    result.text += headers;
    result.text += '\n';
    result.text += result.signedHeaders;
    result.text += '\n';
    result.text += payloadHash;
    return result;
}

std::string awsStringToSign(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest)
{
    std::string out(kAlgorithm);
    out += '\n';
    out += amzDate;
    out += '\n';
    out += scope;
    out += '\n';
    out += awsSha256Hex(canonicalRequest);
    return out;
}

std::string awsSigningKey(
    std::string_view secret, std::string_view date, std::string_view region, std::string_view service)
{
    std::string key = "AWS4";
    key += secret;
    key = awsHmacSha256(key, date);
    key = awsHmacSha256(key, region);
    key = awsHmacSha256(key, service);
    return awsHmacSha256(key, "aws4_request");
}

AwsV4Signature signAwsV4Detailed(HttpRequest &req, const AwsCredentials &creds, const std::string &region,
    const std::string &service, std::chrono::system_clock::time_point now, AwsPayloadSigning payload)
{
    if (creds.anonymous())
        return {};
    if (region.empty() || service.empty())
        fail(ErrorCategory::InvalidArgument, "cannot sign a request without a region and a service", req.displayName);
    const std::string host = hostHeaderOf(req.url, req.displayName);

    std::erase_if(req.headers, [](const HttpHeader &h) {
        const std::string name = toLower(trim(h.name));
        return std::find(kOwnHeaders.begin(), kOwnHeaders.end(), name) != kOwnHeaders.end();
    });

    AwsV4Signature sig;
    sig.amzDate = awsAmzDate(now);
    const std::string date = sig.amzDate.substr(0, 8);
    sig.scope = date + "/" + region + "/" + service + "/aws4_request";
    const std::string payloadHash
        = payload == AwsPayloadSigning::Unsigned ? "UNSIGNED-PAYLOAD" : awsSha256Hex(req.body);

    req.headers.push_back({"host", host});
    req.headers.push_back({"x-amz-date", sig.amzDate});
    req.headers.push_back({"x-amz-content-sha256", payloadHash});
    if (!creds.sessionToken.empty())
        req.headers.push_back({"x-amz-security-token", creds.sessionToken});

    AwsCanonicalRequest canonical = awsCanonicalRequest(req, payloadHash);
    sig.canonicalRequest = std::move(canonical.text);
    sig.signedHeaders = std::move(canonical.signedHeaders);
    sig.stringToSign = awsStringToSign(sig.amzDate, sig.scope, sig.canonicalRequest);
    sig.signature
        = awsHex(awsHmacSha256(awsSigningKey(creds.secretAccessKey, date, region, service), sig.stringToSign));
    sig.authorization = std::string(kAlgorithm) + " Credential=" + creds.accessKeyId + "/" + sig.scope
        + ",SignedHeaders=" + sig.signedHeaders + ",Signature=" + sig.signature;
    req.headers.push_back({"Authorization", sig.authorization});
    return sig;
}

void signAwsV4(HttpRequest &req, const AwsCredentials &creds, const std::string &region, const std::string &service,
    std::chrono::system_clock::time_point now, AwsPayloadSigning payload)
{
    signAwsV4Detailed(req, creds, region, service, now, payload);
}

} // namespace ckpt
