#include "io/storage/gcs_token_sources.h"

#include "base/error.h"
#include "io/storage/http_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <vector>

namespace ckpt {

namespace {

using Clock = std::chrono::steady_clock;

/// A token is replaced this long before it expires, so requests in flight never carry a stale one.
constexpr std::chrono::seconds kRefreshMargin{300};
/// Assumed lifetime when a token response has no expires_in (RFC 6749 makes it optional; Google's
/// tokens last an hour).
constexpr std::chrono::seconds kDefaultLifetime{3600};
/// Longest lifetime believed, whatever the server says.
constexpr std::chrono::seconds kMaxLifetime{86400};
/// Lifetime of a self-signed service-account JWT; Google accepts at most one hour.
constexpr int64_t kAssertionLifetimeSeconds = 3600;
constexpr const char *kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

struct FetchedToken {
    std::string accessToken;
    std::chrono::seconds lifetime{0};
};

/// What a failed token request's message names, and the secrets it must never contain.
struct TokenRequestContext {
    std::string endpoint; ///< URL, without secrets
    std::string credentials; ///< describe() of the source
    std::vector<std::string> secrets; ///< assertion, client secret, refresh token, ...
    bool metadataServer = false; ///< the answer must carry `Metadata-Flavor: Google`
};

/// `text` with every secret of at least 6 characters replaced by "<redacted>" (a server could echo
/// what it was sent; shorter strings would mangle ordinary words).
std::string redact(std::string text, const std::vector<std::string> &secrets)
{
    for (const std::string &secret : secrets) {
        if (secret.size() < 6)
            continue;
        for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
            text.replace(at, secret.size(), "<redacted>");
    }
    return text;
}

/// At most `limit` characters of `text`, control characters replaced by spaces.
std::string printableExcerpt(std::string_view text, size_t limit)
{
    std::string out;
    for (char c : text.substr(0, limit))
        out += (uint8_t(c) < 0x20 || c == 0x7f) ? ' ' : c;
    if (text.size() > limit)
        out += "...";
    return out;
}

/// "error: description" from an OAuth2 error body (RFC 6749 section 5.2), or from Google's
/// {"error": {"status", "message"}} form; otherwise a short excerpt of the body.
std::string errorDetail(const std::string &body)
{
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object()) {
        std::string code;
        std::string description;
        if (auto e = j.find("error"); e != j.end()) {
            if (e->is_string()) {
                code = e->get<std::string>();
            } else if (e->is_object()) {
                if (auto s = e->find("status"); s != e->end() && s->is_string())
                    code = s->get<std::string>();
                if (auto m = e->find("message"); m != e->end() && m->is_string())
                    description = m->get<std::string>();
            }
        }
        if (auto d = j.find("error_description"); d != j.end() && d->is_string())
            description = d->get<std::string>();
        if (!code.empty() || !description.empty()) {
            std::string detail = printableExcerpt(code, 100);
            if (!description.empty())
                detail += (detail.empty() ? "" : ": ") + printableExcerpt(description, 300);
            return detail;
        }
    }
    return printableExcerpt(body, 160);
}

/// Lifetime from the `expires_in` member (a number, or a string of digits as some servers send).
std::chrono::seconds lifetimeOf(const nlohmann::json &response, const TokenRequestContext &ctx)
{
    const auto e = response.find("expires_in");
    if (e == response.end() || e->is_null())
        return kDefaultLifetime;
    double seconds = 0;
    if (e->is_number()) {
        seconds = e->get<double>();
    } else if (e->is_string() && !e->get<std::string>().empty()
        && e->get<std::string>().find_first_not_of("0123456789") == std::string::npos
        && e->get<std::string>().size() < 10) {
        seconds = double(std::stoll(e->get<std::string>()));
    } else {
        fail(ErrorCategory::Corrupt, ctx.endpoint + " answered with an expires_in that is not a number");
    }
    return std::chrono::seconds(int64_t(std::clamp(seconds, 0.0, double(kMaxLifetime.count()))));
}

/// Sends a token request and returns the token, or throws a message that names the endpoint, the
/// status, the OAuth error and the credentials, with the secrets redacted.
FetchedToken exchangeToken(
    const HttpClient &http, const HttpRequest &request, const TokenRequestContext &ctx, const Progress &progress)
{
    HttpResponse response;
    try {
        response = http.send(request, progress);
    } catch (const Exception &e) {
        if (e.error().category != ErrorCategory::Io)
            throw;
        fail(ErrorCategory::Io,
            redact("cannot reach " + ctx.endpoint + " for " + ctx.credentials + ": " + e.error().message, ctx.secrets));
    }
    const std::string status = std::to_string(response.status);
    if (ctx.metadataServer && response.header("metadata-flavor") != "Google")
        fail(ErrorCategory::Io,
            ctx.endpoint + " did not answer as a metadata server (HTTP " + status
                + " without \"Metadata-Flavor: Google\"); set GCE_METADATA_HOST to the right host, or "
                  "CKPT_GCS_METADATA=0 to skip it");
    if (response.status < 200 || response.status >= 300) {
        const std::string detail = errorDetail(response.body);
        const bool refused = response.status >= 400 && response.status < 500;
        fail(refused ? ErrorCategory::Auth : ErrorCategory::Io,
            redact(ctx.endpoint + (refused ? " refused" : " failed") + " the token request for " + ctx.credentials
                    + ": HTTP " + status + (detail.empty() ? std::string() : " (" + detail + ")"),
                ctx.secrets));
    }
    const nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
    if (!j.is_object())
        fail(ErrorCategory::Corrupt,
            ctx.endpoint + " answered HTTP " + status + " with a body that is not a JSON object");
    const auto token = j.find("access_token");
    if (token == j.end() || !token->is_string() || token->get<std::string>().empty())
        fail(ErrorCategory::Corrupt, ctx.endpoint + " answered HTTP " + status + " without an access_token");
    if (const auto type = j.find("token_type"); type != j.end()) {
        std::string t = type->is_string() ? type->get<std::string>() : std::string();
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (t != "bearer")
            fail(ErrorCategory::Unsupported,
                ctx.endpoint + " issued a token of type \"" + printableExcerpt(t, 40) + "\"; only Bearer is supported");
    }
    return FetchedToken{token->get<std::string>(), lifetimeOf(j, ctx)};
}

/// Caching and refresh shared by the token-based sources. m_fetchMutex serialises fetches (so
/// concurrent callers share one); m_stateMutex guards the cached header and is never held
/// across a request, so invalidate() and cache hits do not wait for a fetch.
class CachingTokenSource : public GcsTokenSource {
public:
    using GcsTokenSource::GcsTokenSource;

    std::optional<std::string> authorizationHeader(const Progress &progress) final
    {
        if (auto cached = fresh())
            return cached;
        std::lock_guard fetchLock(m_fetchMutex);
        if (auto cached = fresh())
            return cached; // another caller fetched while we waited
        progress.throwIfCancelled();
        const Clock::time_point started = Clock::now();
        const FetchedToken token = fetch(progress);
        const std::chrono::seconds margin = std::min(kRefreshMargin, token.lifetime / 2);
        std::lock_guard lock(m_stateMutex);
        m_header = "Bearer " + token.accessToken;
        m_refreshAt = started + token.lifetime - margin;
        m_valid = true;
        return m_header;
    }

    void invalidate() final
    {
        std::lock_guard lock(m_stateMutex);
        m_valid = false;
    }

protected:
    /// Requests a new token; called with m_fetchMutex held.
    virtual FetchedToken fetch(const Progress &progress) = 0;

private:
    std::optional<std::string> fresh() const
    {
        std::lock_guard lock(m_stateMutex);
        if (m_valid && Clock::now() < m_refreshAt)
            return m_header;
        return std::nullopt;
    }

    std::mutex m_fetchMutex;
    mutable std::mutex m_stateMutex;
    bool m_valid = false;
    std::string m_header;
    Clock::time_point m_refreshAt;
};

HttpRequest formPost(const std::string &url, std::string body)
{
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    r.body = std::move(body);
    r.displayName = "token endpoint " + url;
    return r;
}

class AnonymousSource final : public GcsTokenSource {
public:
    AnonymousSource(std::string reason, std::optional<std::string> userProject)
        : GcsTokenSource(std::move(userProject))
        , m_reason(std::move(reason))
    { }
    std::optional<std::string> authorizationHeader(const Progress &) override { return std::nullopt; }
    std::string describe() const override { return "anonymous (" + m_reason + ")"; }
    void invalidate() override { }
    GcsCredentialKind kind() const override { return GcsCredentialKind::Anonymous; }

private:
    std::string m_reason;
};

class ServiceAccountSource final : public CachingTokenSource {
public:
    ServiceAccountSource(GcsServiceAccountKey key, std::string origin, std::shared_ptr<HttpClient> http,
        std::optional<std::string> userProject)
        : CachingTokenSource(std::move(userProject))
        , m_key(std::move(key))
        , m_origin(std::move(origin))
        , m_http(std::move(http))
    { }
    std::string describe() const override { return "service account " + m_key.clientEmail + " " + m_origin; }
    GcsCredentialKind kind() const override { return GcsCredentialKind::ServiceAccount; }

protected:
    FetchedToken fetch(const Progress &progress) override
    {
        const int64_t now
            = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
        nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
        if (!m_key.privateKeyId.empty())
            header["kid"] = m_key.privateKeyId;
        const nlohmann::json claims = {{"iss", m_key.clientEmail}, {"scope", kGcsReadWriteScope},
            {"aud", m_key.tokenUri}, {"iat", now}, {"exp", now + kAssertionLifetimeSeconds}};
        const std::string assertion = makeRs256Jwt(header, claims, m_key.privateKey);
        const HttpRequest request = formPost(m_key.tokenUri,
            "grant_type=" + urlEncode(kJwtBearerGrant, false) + "&assertion=" + urlEncode(assertion, false));
        return exchangeToken(*m_http, request, {m_key.tokenUri, describe(), {assertion}}, progress);
    }

private:
    GcsServiceAccountKey m_key;
    std::string m_origin;
    std::shared_ptr<HttpClient> m_http;
};

class AuthorizedUserSource final : public CachingTokenSource {
public:
    AuthorizedUserSource(GcsAuthorizedUser user, std::string origin, std::shared_ptr<HttpClient> http,
        std::optional<std::string> userProject)
        : CachingTokenSource(std::move(userProject))
        , m_user(std::move(user))
        , m_origin(std::move(origin))
        , m_http(std::move(http))
    { }
    std::string describe() const override { return "authorized user credentials " + m_origin; }
    GcsCredentialKind kind() const override { return GcsCredentialKind::AuthorizedUser; }

protected:
    FetchedToken fetch(const Progress &progress) override
    {
        const HttpRequest request = formPost(m_user.tokenUri,
            "grant_type=refresh_token&client_id=" + urlEncode(m_user.clientId, false) + "&client_secret="
                + urlEncode(m_user.clientSecret, false) + "&refresh_token=" + urlEncode(m_user.refreshToken, false));
        return exchangeToken(
            *m_http, request, {m_user.tokenUri, describe(), {m_user.clientSecret, m_user.refreshToken}}, progress);
    }

private:
    GcsAuthorizedUser m_user;
    std::string m_origin;
    std::shared_ptr<HttpClient> m_http;
};

class MetadataSource final : public CachingTokenSource {
public:
    MetadataSource(
        std::string host, std::string origin, std::shared_ptr<HttpClient> http, std::optional<std::string> userProject)
        : CachingTokenSource(std::move(userProject))
        , m_host(std::move(host))
        , m_origin(std::move(origin))
        , m_http(std::move(http))
    { }
    std::string describe() const override
    {
        return "default service account of the metadata server " + m_host + " (" + m_origin + ")";
    }
    GcsCredentialKind kind() const override { return GcsCredentialKind::MetadataServer; }

protected:
    FetchedToken fetch(const Progress &progress) override
    {
        HttpRequest request;
        request.url = "http://" + m_host + kMetadataTokenPath;
        request.headers = {{"Metadata-Flavor", "Google"}, {"Accept", "application/json"}};
        request.displayName = "metadata server " + m_host;
        return exchangeToken(*m_http, request, {request.url, describe(), {}, true}, progress);
    }

private:
    std::string m_host;
    std::string m_origin;
    std::shared_ptr<HttpClient> m_http;
};

} // namespace

std::shared_ptr<GcsTokenSource> makeAnonymousGcsTokenSource(std::string reason, std::optional<std::string> userProject)
{
    return std::make_shared<AnonymousSource>(std::move(reason), std::move(userProject));
}

std::shared_ptr<GcsTokenSource> makeServiceAccountTokenSource(GcsServiceAccountKey key, std::string origin,
    std::shared_ptr<HttpClient> http, std::optional<std::string> userProject)
{
    return std::make_shared<ServiceAccountSource>(
        std::move(key), std::move(origin), std::move(http), std::move(userProject));
}

std::shared_ptr<GcsTokenSource> makeAuthorizedUserTokenSource(GcsAuthorizedUser user, std::string origin,
    std::shared_ptr<HttpClient> http, std::optional<std::string> userProject)
{
    return std::make_shared<AuthorizedUserSource>(
        std::move(user), std::move(origin), std::move(http), std::move(userProject));
}

std::shared_ptr<GcsTokenSource> makeMetadataTokenSource(
    std::string host, std::string origin, std::shared_ptr<HttpClient> http, std::optional<std::string> userProject)
{
    return std::make_shared<MetadataSource>(
        std::move(host), std::move(origin), std::move(http), std::move(userProject));
}

} // namespace ckpt
