#include "io/storage/remote_storage.h"

#include "base/error.h"
#include "io/storage/remote_object.h"

#include <algorithm>
#include <cstdlib>

namespace ckpt {

namespace {

/// The part of `key` up to and including its last '/', i.e. the folder a delimited listing of
/// which would name `key`.
std::string parentPrefix(const std::string &key)
{
    const size_t slash = key.rfind('/');
    return slash == std::string::npos ? std::string() : key.substr(0, slash + 1);
}

/// A short, printable excerpt of an error body (servers explain themselves there). Bodies of
/// error responses carry no secrets of ours: we never send secrets in a body a server echoes.
std::string bodyExcerpt(const std::string &body)
{
    std::string out;
    for (char c : body.substr(0, 300))
        out.push_back((c >= 32 && c < 127) ? c : ' ');
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

} // namespace

std::string urlHost(std::string_view url)
{
    const size_t scheme = url.find("://");
    const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
    const size_t end = url.find_first_of("/?", start);
    return std::string(url.substr(start, end == std::string_view::npos ? url.size() - start : end - start));
}

RemoteStorage::RemoteStorage(std::shared_ptr<HttpClient> http)
    : m_http(std::move(http))
{ }

std::string RemoteStorage::errorDetail(const HttpResponse &response) const
{
    return bodyExcerpt(response.body);
}

void RemoteStorage::authorize(HttpRequest &request) const
{
    (void)request;
}

HttpResponse RemoteStorage::send(HttpRequest request, const Progress &progress) const
{
    HttpRequest signedRequest = request;
    authorize(signedRequest);
    HttpResponse r = m_http->send(signedRequest, progress);
    if (r.status == 401) {
        credentialsRejected();
        signedRequest = std::move(request);
        authorize(signedRequest);
        r = m_http->send(signedRequest, progress);
    }
    return r;
}

void RemoteStorage::failResponse(const HttpResponse &response, const std::string &key, const char *action) const
{
    const std::string url = urlOf(key);
    const std::string from = std::to_string(response.status) + " from " + host();
    const std::string excerpt = errorDetail(response);
    const std::string said = excerpt.empty() ? std::string() : " (the server said: " + excerpt + ")";
    if (isAuthFailure(response))
        fail(ErrorCategory::Auth,
            from + " for " + url + ": the credentials used (" + credentialsDescription() + ") may not " + action
                + " this object" + said,
            url);
    switch (response.status) {
    case 404: fail(ErrorCategory::MissingData, from + ": " + url + " does not exist" + said, url);
    case 412:
        fail(ErrorCategory::Mismatch, url + " changed while it was being read (" + from + "); open it again", url);
    default: fail(ErrorCategory::Io, from + " when trying to " + action + " " + url + said, url);
    }
}

void RemoteStorage::remember(const StorageListing &listing, const std::string &prefix, bool delimited) const
{
    std::lock_guard lock(m_mutex);
    for (const ListedObject &o : listing.objects)
        m_infos[o.key] = o.info;
    m_listings[{prefix, delimited}] = listing;
}

void RemoteStorage::forget(const std::string &key) const
{
    std::lock_guard lock(m_mutex);
    m_infos.erase(key);
    // Any listing that could name the key is stale now.
    for (auto it = m_listings.begin(); it != m_listings.end();) {
        if (key.starts_with(it->first.first))
            it = m_listings.erase(it);
        else
            ++it;
    }
}

void RemoteStorage::refresh(const std::string &prefix) const
{
    std::lock_guard lock(m_mutex);
    for (auto it = m_infos.begin(); it != m_infos.end();)
        it = it->first.starts_with(prefix) ? m_infos.erase(it) : std::next(it);
    for (auto it = m_listings.begin(); it != m_listings.end();)
        it = it->first.first.starts_with(prefix) ? m_listings.erase(it) : std::next(it);
}

std::optional<std::optional<ObjectInfo>> RemoteStorage::cachedStat(const std::string &key) const
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_infos.find(key); it != m_infos.end())
        return it->second;
    // A complete listing of the folder that would hold the key, or of a folder above it
    // (recursive), answers for it.
    const std::string parent = parentPrefix(key);
    for (const auto &[id, listing] : m_listings) {
        const auto &[prefix, delimited] = id;
        if (!key.starts_with(prefix) || (delimited && prefix != parent))
            continue;
        const auto hit = std::lower_bound(listing.objects.begin(), listing.objects.end(), key,
            [](const ListedObject &o, const std::string &k) { return o.key < k; });
        if (hit != listing.objects.end() && hit->key == key)
            return std::optional<ObjectInfo>(hit->info);
        if (listingCovers(key))
            return std::optional<ObjectInfo>();
    }
    return std::nullopt;
}

std::optional<ObjectInfo> RemoteStorage::stat(const std::string &key) const
{
    if (auto known = cachedStat(key))
        return *known;
    std::optional<ObjectInfo> info = statObject(key);
    std::lock_guard lock(m_mutex);
    m_infos[key] = info;
    return info;
}

StorageListing RemoteStorage::list(const std::string &prefix, bool delimited) const
{
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_listings.find({prefix, delimited}); it != m_listings.end())
            return it->second;
    }
    StorageListing all;
    std::string token;
    do {
        ListPage page = listPage(prefix, delimited, token);
        for (ListedObject &o : page.listing.objects)
            all.objects.push_back(std::move(o));
        for (std::string &p : page.listing.prefixes)
            all.prefixes.push_back(std::move(p));
        if (!page.nextToken.empty() && page.nextToken == token)
            fail(ErrorCategory::Corrupt, "the listing of " + urlOf(prefix) + " repeats its page token", urlOf(prefix));
        token = std::move(page.nextToken);
    } while (!token.empty());
    std::sort(all.objects.begin(), all.objects.end(),
        [](const ListedObject &a, const ListedObject &b) { return a.key < b.key; });
    std::sort(all.prefixes.begin(), all.prefixes.end());
    all.prefixes.erase(std::unique(all.prefixes.begin(), all.prefixes.end()), all.prefixes.end());
    remember(all, prefix, delimited);
    return all;
}

RandomAccessPtr RemoteStorage::open(const std::string &key, const ObjectInfo &info) const
{
    return std::make_shared<RemoteObject>(shared_from_this(), key, info);
}

uint64_t RemoteStorage::uploadPartBytes()
{
    static const uint64_t bytes = [] {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the process calls setenv
        const char *v = std::getenv("CKPT_UPLOAD_PART_MB");
        const long mb = v ? std::strtol(v, nullptr, 10) : 16;
        return uint64_t(std::clamp<long>(mb, 5, 4096)) << 20;
    }();
    return bytes;
}

uint64_t RemoteStorage::wholeObjectLimit()
{
    static const uint64_t limit = [] {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the process calls setenv
        const char *v = std::getenv("CKPT_HTTP_WHOLE_OBJECT_MB");
        const long mb = v ? std::strtol(v, nullptr, 10) : -1;
        return uint64_t(mb >= 0 ? mb : 64) << 20;
    }();
    return limit;
}

std::shared_ptr<const std::string> RemoteStorage::wholeObject(const std::string &key, const ObjectInfo &info) const
{
    const std::string id = key + '\n' + info.version;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[k, bytes] : m_wholeObjects)
            if (k == id)
                return bytes;
    }
    if (info.size > wholeObjectLimit())
        fail(ErrorCategory::Unsupported,
            host() + " ignores the Range header, and " + urlOf(key) + " (" + std::to_string(info.size)
                + " bytes) is too large to download whole for a partial read (limit "
                + std::to_string(wholeObjectLimit() >> 20) + " MiB, CKPT_HTTP_WHOLE_OBJECT_MB)",
            urlOf(key));
    HttpRequest request = rangeRequest(key, info, 0, info.size == 0 ? 0 : info.size - 1);
    request.range.reset();
    request.maxBodyBytes = info.size + 1;
    const HttpResponse r = send(std::move(request));
    if (r.status != 200)
        failResponse(r, key, "read");
    if (r.body.size() != info.size)
        fail(ErrorCategory::Corrupt,
            host() + " sent " + std::to_string(r.body.size()) + " bytes of " + urlOf(key) + ", which has "
                + std::to_string(info.size),
            urlOf(key));
    auto bytes = std::make_shared<const std::string>(r.body);
    std::lock_guard lock(m_mutex);
    m_wholeObjects.emplace_front(id, bytes);
    uint64_t total = 0;
    for (auto it = m_wholeObjects.begin(); it != m_wholeObjects.end(); ++it) {
        total += it->second->size();
        if (total > wholeObjectLimit() && it != m_wholeObjects.begin()) {
            m_wholeObjects.erase(it, m_wholeObjects.end());
            break;
        }
    }
    return bytes;
}

std::string RemoteStorage::readRange(
    const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const
{
    const uint64_t want = last - first + 1;
    if (!m_rangeIgnored.load(std::memory_order_relaxed)) {
        HttpRequest request = rangeRequest(key, info, first, last);
        request.maxBodyBytes = want + 1; // a server that ignores Range is stopped after one byte too many
        const HttpResponse r = send(std::move(request));
        if (r.status == 206 || (r.status == 200 && first == 0 && want == info.size && !r.bodyLimitHit)) {
            if (r.body.size() != want)
                fail(ErrorCategory::Corrupt,
                    host() + " sent " + std::to_string(r.body.size()) + " bytes of " + urlOf(key) + " where "
                        + std::to_string(want) + " were asked for",
                    urlOf(key), first);
            return r.body;
        }
        if (r.status == 416)
            fail(ErrorCategory::Corrupt,
                "bytes " + std::to_string(first) + "-" + std::to_string(last) + " are past the end of " + urlOf(key)
                    + " (it is shorter than its listing said)",
                urlOf(key), first);
        if (r.status != 200)
            failResponse(r, key, "read");
        // 200 to a ranged request: the server ignores Range. From now on small objects are
        // fetched whole (once, cached) and large ones refused with a clear error.
        m_rangeIgnored.store(true, std::memory_order_relaxed);
    }
    const auto whole = wholeObject(key, info);
    if (first >= whole->size() || want > whole->size() - first)
        fail(ErrorCategory::Corrupt, "read past the end of " + urlOf(key), urlOf(key), first);
    return whole->substr(size_t(first), size_t(want));
}

} // namespace ckpt
