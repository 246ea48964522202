#pragma once

#include "io/storage/remote_storage.h"

#include <memory>
#include <string>

namespace ckpt {

/// A read-only tree of files behind http:// or https://. Reads use `Range` (pinned with
/// `If-Match` when the server sends an ETag); folders can be listed where the server offers an
/// index page: nginx's JSON autoindex or an HTML page of links (Python's http.server). Elsewhere
/// only exact paths can be opened.
class HttpStorage final : public RemoteStorage {
public:
    /// `origin` is "http://host:port" or "https://host" (no path, no trailing '/').
    HttpStorage(std::string origin, std::shared_ptr<HttpClient> http);

    std::string urlOf(std::string_view key) const override;
    bool canList() const override;
    void put(const std::string &key, std::string_view bytes) const override;
    void putFile(const std::string &key, const std::string &path, const Progress &progress) const override;
    void remove(const std::string &key) const override;

protected:
    std::string host() const override;
    ListPage listPage(const std::string &prefix, bool delimited, const std::string &token) const override;
    std::optional<ObjectInfo> statObject(const std::string &key) const override;
    HttpRequest rangeRequest(
        const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const override;

    /// Index pages leave out dotfiles: a listing proves nothing about `.zarray` and friends.
    bool listingCovers(const std::string &key) const override;

private:
    /// Entries of the index page of folder `prefix` (ending in '/', or empty for the root).
    StorageListing listFolder(const std::string &prefix) const;

    std::string m_origin;
};

} // namespace ckpt
