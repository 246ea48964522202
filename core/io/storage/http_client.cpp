#include "io/storage/http_client.h"

#include "base/error.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

namespace ckpt {

namespace {

std::once_flag g_curlInit;

void initCurl()
{
    std::call_once(g_curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s)
{
    size_t b = 0;
    size_t e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
        --e;
    return std::string(s.substr(b, e - b));
}

/// The URL without its query: what an error message may show when no display name was given
/// (a signed query carries a signature).
std::string safeName(const HttpRequest &r)
{
    if (!r.displayName.empty())
        return r.displayName;
    return r.url.substr(0, r.url.find('?'));
}

/// Network failures that a new attempt may cure. Certificate and resolution errors are not
/// among them: they are configuration, and retrying only delays the message.
bool isRetryableCurlCode(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR: return true;
    default: return false;
    }
}

std::optional<long> envLong(const char *name)
{
    const char *v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): nothing in the process calls setenv
    if (!v || !*v)
        return std::nullopt;
    char *end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*end != '\0' || n < 0)
        return std::nullopt;
    return n;
}

std::string defaultCaFile(const HttpPolicy &p)
{
    if (!p.caFile.empty())
        return p.caFile;
    for (const char *name : {"SSL_CERT_FILE", "CURL_CA_BUNDLE"}) {
        const char *v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): nothing in the process calls setenv
        if (v && *v)
            return v;
    }
    return {};
}

/// One request in flight: its easy handle, what came back so far, and its retry state.
struct Transfer {
    const HttpRequest *request = nullptr;
    CURL *easy = nullptr;
    curl_slist *headerList = nullptr;
    HttpResponse response;
    int attempt = 0;
    std::chrono::steady_clock::time_point notBefore{};
    bool done = false;
    std::atomic<uint64_t> *received = nullptr;
    const Progress *progress = nullptr;
    std::array<char, CURL_ERROR_SIZE> errorBuffer{};

    void reset()
    {
        response = HttpResponse{};
        errorBuffer[0] = '\0';
        if (headerList) {
            curl_slist_free_all(headerList);
            headerList = nullptr;
        }
    }
};

size_t onBody(char *data, size_t size, size_t count, void *user)
{
    auto *t = static_cast<Transfer *>(user);
    const size_t n = size * count;
    const uint64_t limit = t->request->maxBodyBytes;
    if (limit != 0 && t->response.body.size() + n > limit) {
        t->response.bodyLimitHit = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->response.body.append(data, n);
    t->received->fetch_add(n, std::memory_order_relaxed);
    return n;
}

size_t onHeader(char *data, size_t size, size_t count, void *user)
{
    auto *t = static_cast<Transfer *>(user);
    const size_t n = size * count;
    const std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        // A new status line (after a redirect or `100 Continue`) starts a new header block.
        t->response.headers.clear();
        return n;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos)
        t->response.headers.push_back({lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1))});
    return n;
}

int onProgress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto *t = static_cast<Transfer *>(user);
    return t->progress->cancelled() ? 1 : 0;
}

} // namespace

bool isRetryableStatus(long status)
{
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<std::string> HttpResponse::header(std::string_view lowerName) const
{
    for (const HttpHeader &h : headers)
        if (h.name == lowerName)
            return h.value;
    return std::nullopt;
}

int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const int hi = text[i] == '%' && i + 2 < text.size() ? hexDigitValue(text[i + 1]) : -1;
        const int lo = hi >= 0 ? hexDigitValue(text[i + 2]) : -1;
        if (lo >= 0) {
            out.push_back(char(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string urlEncode(std::string_view text, bool keepSlash)
{
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
            out.push_back(char(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

/// Shared curl state: one share handle (DNS cache, TLS sessions, connection pool) so that
/// requests from every thread reuse connections to the same host.
struct HttpClient::State {
    CURLSH *share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
    std::atomic<uint64_t> received{0};
    std::string caFile;

    static void lock(CURL *, curl_lock_data data, curl_lock_access, void *user)
    {
        static_cast<State *>(user)->locks[size_t(data)].lock();
    }
    static void unlock(CURL *, curl_lock_data data, void *user)
    {
        static_cast<State *>(user)->locks[size_t(data)].unlock();
    }
};

HttpClient::HttpClient(HttpPolicy policy)
    : m_policy(std::move(policy))
    , m_state(std::make_unique<State>())
{
    initCurl();
    m_state->caFile = defaultCaFile(m_policy);
    m_state->share = curl_share_init();
    curl_share_setopt(m_state->share, CURLSHOPT_LOCKFUNC, &State::lock);
    curl_share_setopt(m_state->share, CURLSHOPT_UNLOCKFUNC, &State::unlock);
    curl_share_setopt(m_state->share, CURLSHOPT_USERDATA, m_state.get());
    curl_share_setopt(m_state->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m_state->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(m_state->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

HttpClient::~HttpClient()
{
    curl_share_cleanup(m_state->share);
}

std::shared_ptr<HttpClient> HttpClient::shared()
{
    static const std::shared_ptr<HttpClient> client = [] {
        HttpPolicy p;
        if (auto n = envLong("CKPT_HTTP_RETRIES"))
            p.maxAttempts = int(std::max(1L, *n + 1));
        if (auto n = envLong("CKPT_HTTP_PARALLEL"))
            p.maxParallel = int(std::clamp(*n, 1L, 256L));
        if (auto n = envLong("CKPT_HTTP_CONNECT_TIMEOUT_MS"))
            p.connectTimeout = std::chrono::milliseconds(std::max(1L, *n));
        if (auto n = envLong("CKPT_HTTP_LOW_SPEED_TIME_S"))
            p.lowSpeedTime = std::chrono::seconds(std::max(1L, *n));
        return std::make_shared<HttpClient>(p);
    }();
    return client;
}

uint64_t HttpClient::bytesReceived() const
{
    return m_state->received.load(std::memory_order_relaxed);
}

HttpResponse HttpClient::send(const HttpRequest &request, const Progress &progress) const
{
    return std::move(sendAll({request}, progress).front());
}

namespace {

void configure(Transfer &t, CURLSH *share, const HttpPolicy &policy, const std::string &caFile)
{
    const HttpRequest &r = *t.request;
    CURL *e = t.easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_SHARE, share);
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errorBuffer.data());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, long(policy.connectTimeout.count()));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, policy.lowSpeedBytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, long(policy.lowSpeedTime.count()));
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // The path goes out as we built (and signed) it: no "." / ".." squashing by curl.
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    // Redirects are not followed: a signed request must not be replayed to another host, and
    // object stores answer directly.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (!caFile.empty())
        curl_easy_setopt(e, CURLOPT_CAINFO, caFile.c_str());

    bool hasContentType = false;
    for (const HttpHeader &h : r.headers) {
        hasContentType = hasContentType || lower(h.name) == "content-type";
        t.headerList = curl_slist_append(t.headerList, (h.name + ": " + h.value).c_str());
    }
    if (r.range)
        t.headerList = curl_slist_append(t.headerList,
            ("Range: bytes=" + std::to_string(r.range->first) + "-" + std::to_string(r.range->last)).c_str());
    t.headerList = curl_slist_append(t.headerList, "Expect:"); // no 100-continue round trip

    if (r.method == "HEAD") {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (r.method != "GET" || !r.body.empty()) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
        if (r.method != "DELETE" || !r.body.empty()) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.size()));
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
            if (!hasContentType)
                t.headerList = curl_slist_append(t.headerList, "Content-Type: application/octet-stream");
        }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headerList);
}

std::chrono::milliseconds backoff(const HttpPolicy &p, int attempt)
{
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto cap = std::min<int64_t>(p.backoffMax.count(), p.backoffBase.count() << std::min(attempt, 20));
    std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(cap, 1));
    return std::chrono::milliseconds(dist(rng)); // "full jitter"
}

} // namespace

std::vector<HttpResponse> HttpClient::sendAll(const std::vector<HttpRequest> &requests, const Progress &progress) const
{
    if (requests.empty())
        return {};
    std::vector<Transfer> transfers(requests.size());
    CURLM *multi = curl_multi_init();
    struct Cleanup {
        CURLM *multi;
        std::vector<Transfer> &transfers;
        Cleanup(CURLM *m, std::vector<Transfer> &t)
            : multi(m)
            , transfers(t)
        { }
        Cleanup(const Cleanup &) = delete;
        Cleanup &operator=(const Cleanup &) = delete;
        Cleanup(Cleanup &&) = delete;
        Cleanup &operator=(Cleanup &&) = delete;
        ~Cleanup()
        {
            for (Transfer &t : transfers) {
                if (t.easy) {
                    curl_multi_remove_handle(multi, t.easy);
                    curl_easy_cleanup(t.easy);
                }
                t.reset();
            }
            curl_multi_cleanup(multi);
        }
    } cleanup{multi, transfers};

    for (size_t i = 0; i < requests.size(); ++i) {
        transfers[i].request = &requests[i];
        transfers[i].received = &m_state->received;
        transfers[i].progress = &progress;
    }
    size_t next = 0; // first transfer never started
    std::vector<Transfer *> waiting; // to be retried after their backoff
    int running = 0;
    size_t finished = 0;

    auto start = [&](Transfer &t) {
        if (!t.easy)
            t.easy = curl_easy_init();
        t.reset();
        configure(t, m_state->share, m_policy, m_state->caFile);
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
        curl_multi_add_handle(multi, t.easy);
        ++t.attempt;
        ++running;
    };

    while (finished < transfers.size()) {
        progress.throwIfCancelled();
        const auto now = std::chrono::steady_clock::now();
        for (auto it = waiting.begin(); it != waiting.end() && running < m_policy.maxParallel;) {
            if ((*it)->notBefore <= now) {
                start(**it);
                it = waiting.erase(it);
            } else {
                ++it;
            }
        }
        while (next < transfers.size() && running < m_policy.maxParallel)
            start(transfers[next++]);

        int stillRunning = 0;
        curl_multi_perform(multi, &stillRunning);
        int queued = 0;
        while (CURLMsg *msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            Transfer *t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            const CURLcode code = msg->data.result; // NOLINT(cppcoreguidelines-pro-type-union-access): curl's API
            curl_multi_remove_handle(multi, t->easy);
            --running;
            long status = 0;
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
            t->response.status = status;
            if (code == CURLE_ABORTED_BY_CALLBACK)
                fail(ErrorCategory::Cancelled, "cancelled while reading " + safeName(*t->request));
            const bool limitHit = code == CURLE_WRITE_ERROR && t->response.bodyLimitHit;
            const bool ok = code == CURLE_OK || limitHit;
            const bool retry = t->attempt < m_policy.maxAttempts
                && ((!ok && isRetryableCurlCode(code)) || (ok && isRetryableStatus(status)));
            if (retry) {
                t->notBefore = std::chrono::steady_clock::now() + backoff(m_policy, t->attempt);
                waiting.push_back(t);
                continue;
            }
            if (!ok) {
                const std::string detail = t->errorBuffer[0] ? t->errorBuffer.data() : curl_easy_strerror(code);
                fail(ErrorCategory::Io,
                    "could not read " + safeName(*t->request) + ": " + detail
                        + (t->attempt > 1 ? " (after " + std::to_string(t->attempt) + " attempts)" : std::string()));
            }
            t->done = true;
            ++finished;
        }
        if (finished == transfers.size())
            break;
        if (running > 0) {
            curl_multi_poll(multi, nullptr, 0, 100, nullptr);
        } else if (!waiting.empty()) {
            auto soonest = waiting.front()->notBefore;
            for (Transfer *t : waiting)
                soonest = std::min(soonest, t->notBefore);
            const auto wait = std::min(soonest - std::chrono::steady_clock::now(),
                std::chrono::steady_clock::duration(std::chrono::milliseconds(100)));
            if (wait.count() > 0)
                std::this_thread::sleep_for(wait);
        }
    }

    std::vector<HttpResponse> out;
    out.reserve(transfers.size());
    for (Transfer &t : transfers)
        out.push_back(std::move(t.response));
    return out;
}

} // namespace ckpt
