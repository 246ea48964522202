#pragma once

#include "io/storage/http_client.h"
#include "io/storage/storage.h"

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace ckpt {

/// What every HTTP-based store shares: one HttpClient, caches of listings and object infos (so
/// layout detection, which asks about many siblings, costs one listing per folder), ranged
/// reads pinned to an object version, and the mapping of HTTP statuses onto error categories.
/// Subclasses say how a request for their API looks (GCS JSON API, S3 REST, plain HTTP).
class RemoteStorage : public Storage, public std::enable_shared_from_this<RemoteStorage> {
public:
    std::optional<ObjectInfo> stat(const std::string &key) const override;
    StorageListing list(const std::string &prefix, bool delimited) const override;
    RandomAccessPtr open(const std::string &key, const ObjectInfo &info) const override;
    void refresh(const std::string &prefix) const override;

    /// Bytes [first, last] of `key` at `info.version`: exactly last - first + 1 of them. Throws
    /// Exception{Mismatch} when the object changed since `info` was taken, {Unsupported} when the
    /// server ignores `Range` and the object is too large to fetch whole.
    std::string readRange(const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const;

    const HttpClient &http() const { return *m_http; }

    /// Size of the parts large uploads are sent in, and the largest object sent in one request
    /// (16 MiB; CKPT_UPLOAD_PART_MB, at least 5 as S3 requires).
    static uint64_t uploadPartBytes();

    /// Largest object fetched whole when a server ignores `Range` (64 MiB; CKPT_HTTP_WHOLE_OBJECT_MB).
    static uint64_t wholeObjectLimit();

protected:
    explicit RemoteStorage(std::shared_ptr<HttpClient> http);

    struct ListPage {
        StorageListing listing;
        std::string nextToken; ///< empty on the last page
    };
    virtual ListPage listPage(const std::string &prefix, bool delimited, const std::string &token) const = 0;
    /// One request for the object's size and version; nullopt on 404.
    virtual std::optional<ObjectInfo> statObject(const std::string &key) const = 0;
    virtual HttpRequest rangeRequest(
        const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const = 0;
    /// The server's host (and port), for messages: "storage.googleapis.com".
    virtual std::string host() const = 0;
    /// Whether a listing that does not name `key` proves it absent. Web servers' index pages leave
    /// out dotfiles (`.zarray`), so HttpStorage asks the server about those directly.
    virtual bool listingCovers(const std::string &key) const
    {
        (void)key;
        return true;
    }
    /// Adds credentials to a request (signing, bearer token); the default sends it as it is.
    virtual void authorize(HttpRequest &request) const;
    /// Called once after a 401 so that a cached token is dropped before the one retry.
    virtual void credentialsRejected() const { }
    /// Whether `response` says the credentials were refused; the default: 401 and 403.
    virtual bool isAuthFailure(const HttpResponse &response) const
    {
        return response.status == 401 || response.status == 403;
    }
    /// What an error response's body says, for messages; the default is a printable excerpt.
    virtual std::string errorDetail(const HttpResponse &response) const;
    /// Who we were, for auth errors: "anonymous", "service account x@y from /path", ...
    virtual std::string credentialsDescription() const { return "no credentials (anonymous)"; }

    /// Authorizes and sends `request`; a 401 gets one retry with fresh credentials. `progress`
    /// may cancel the transfer.
    HttpResponse send(HttpRequest request, const Progress &progress = {}) const;
    /// Throws the Exception a failed response means for `key`: {Auth} on 401/403, {MissingData} on
    /// 404, {Mismatch} on 412, {Io} otherwise. `action` says what we tried ("read", "list", "write").
    [[noreturn]] void failResponse(const HttpResponse &response, const std::string &key, const char *action) const;

    /// Drops cached knowledge of `key` (after a write or delete).
    void forget(const std::string &key) const;

private:
    /// What the caches know about `key`: an answer (present or absent), or nothing.
    std::optional<std::optional<ObjectInfo>> cachedStat(const std::string &key) const;
    void remember(const StorageListing &listing, const std::string &prefix, bool delimited) const;

    /// The whole object (cached, at most wholeObjectLimit() bytes of them) for servers without Range.
    std::shared_ptr<const std::string> wholeObject(const std::string &key, const ObjectInfo &info) const;

    std::shared_ptr<HttpClient> m_http;
    mutable std::atomic<bool> m_rangeIgnored{false};
    mutable std::list<std::pair<std::string, std::shared_ptr<const std::string>>> m_wholeObjects;
    mutable std::mutex m_mutex;
    mutable std::map<std::string, std::optional<ObjectInfo>> m_infos;
    mutable std::map<std::pair<std::string, bool>, StorageListing> m_listings;
};

/// The host of an absolute URL ("storage.googleapis.com", "127.0.0.1:4443"), for messages.
std::string urlHost(std::string_view url);

} // namespace ckpt
