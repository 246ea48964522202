#pragma once

#include "base/progress.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

/// One HTTP header. Response header names are lower-cased; request names are sent as given.
struct HttpHeader {
    std::string name;
    std::string value;
};

/// A byte range [first, last] (inclusive, as in the `Range` header).
struct HttpByteRange {
    uint64_t first = 0;
    uint64_t last = 0;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url; ///< absolute, with the query already encoded
    std::vector<HttpHeader> headers;
    std::string body; ///< bytes sent with PUT/POST (may hold binary data)
    std::optional<HttpByteRange> range; ///< adds `Range: bytes=first-last`
    /// The transfer stops once the body grows past this many bytes (HttpResponse::bodyLimitHit),
    /// e.g. when a server ignores `Range` and sends a whole large object. 0: no limit.
    uint64_t maxBodyBytes = 0;
    /// What error messages call this request, e.g. "gs://bucket/a/b". Never holds a secret: URLs
    /// with signed queries and Authorization headers are not shown.
    std::string displayName;
};

struct HttpResponse {
    long status = 0;
    std::vector<HttpHeader> headers; ///< names lower-cased, in arrival order
    std::string body;
    bool bodyLimitHit = false; ///< the body was cut at HttpRequest::maxBodyBytes
    /// Value of the first header named `lowerName`, if any.
    std::optional<std::string> header(std::string_view lowerName) const;
};

/// Timeouts and retry policy. Defaults suit object stores on the internet; tests shorten them.
struct HttpPolicy {
    std::chrono::milliseconds connectTimeout{10000};
    /// A transfer slower than lowSpeedBytes per second for lowSpeedTime is abandoned (and retried).
    long lowSpeedBytes = 1;
    std::chrono::seconds lowSpeedTime{30};
    int maxAttempts = 5; ///< first try included
    std::chrono::milliseconds backoffBase{200}; ///< doubled per attempt, with full jitter
    std::chrono::milliseconds backoffMax{10000};
    int maxParallel = 16; ///< requests in flight at once in sendAll()
    std::string caFile; ///< CA bundle; empty: SSL_CERT_FILE, CURL_CA_BUNDLE, then the system store
};

/// Statuses worth another attempt: 408, 429 and 5xx.
bool isRetryableStatus(long status);

/// A thread-safe HTTP client over libcurl. send() retries network failures (resets, timeouts,
/// refused connections) and retryable statuses with exponential backoff and jitter, and returns
/// the last response; any other status is returned at once for the caller to interpret. It throws
/// Exception{Io} when no response arrived after the last attempt and {Cancelled} when `progress`
/// says so (an in-flight transfer stops within about 100 ms).
class HttpClient {
public:
    explicit HttpClient(HttpPolicy policy = {});
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;
    HttpClient(HttpClient &&) = delete;
    HttpClient &operator=(HttpClient &&) = delete;

    /// The process-wide client with the default policy (environment: CKPT_HTTP_RETRIES,
    /// CKPT_HTTP_PARALLEL, CKPT_HTTP_CONNECT_TIMEOUT_MS override it).
    static std::shared_ptr<HttpClient> shared();

    const HttpPolicy &policy() const { return m_policy; }

    HttpResponse send(const HttpRequest &request, const Progress &progress = {}) const;

    /// Sends every request, at most policy().maxParallel at once on one curl multi handle, each
    /// with send()'s retry rules; responses come back in request order. The first request that
    /// fails with an exception makes sendAll throw it (after stopping the others).
    std::vector<HttpResponse> sendAll(const std::vector<HttpRequest> &requests, const Progress &progress = {}) const;

    /// Bytes received over the network by this client so far (bodies only).
    uint64_t bytesReceived() const;

private:
    struct State;
    HttpPolicy m_policy;
    std::unique_ptr<State> m_state;
};

/// Value of the hex digit `c` (either case), or -1.
int hexDigitValue(char c);

/// Decodes %XY escapes once; a '%' not followed by two hex digits stays literal.
std::string percentDecode(std::string_view text);

/// Percent-encodes `text` for a URL path (keeps unreserved characters and, when `keepSlash`,
/// '/'), as RFC 3986 and SigV4 require.
std::string urlEncode(std::string_view text, bool keepSlash);

} // namespace ckpt
