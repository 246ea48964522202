#include "io/storage/http_storage.h"

#include "base/error.h"
#include "io/storage/http_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace ckpt {

namespace {

/// Names linked from an HTML index page: relative hrefs without a query, '/', '?' or '#' start,
/// decoded; folders keep their trailing '/'.
std::vector<std::string> htmlLinks(const std::string &html)
{
    std::vector<std::string> names;
    size_t pos = 0;
    while ((pos = html.find("href=\"", pos)) != std::string::npos) {
        pos += 6;
        const size_t end = html.find('"', pos);
        if (end == std::string::npos)
            break;
        const std::string href = html.substr(pos, end - pos);
        pos = end;
        if (href.empty() || href[0] == '/' || href[0] == '?' || href[0] == '#' || href.find("://") != std::string::npos
            || href.starts_with(".."))
            continue;
        std::string name = percentDecode(href);
        const size_t slash = name.find('/');
        if (slash != std::string::npos && slash + 1 != name.size())
            continue; // deeper links are not entries of this folder
        names.push_back(std::move(name));
    }
    return names;
}

} // namespace

HttpStorage::HttpStorage(std::string origin, std::shared_ptr<HttpClient> http)
    : RemoteStorage(std::move(http))
    , m_origin(std::move(origin))
{ }

std::string HttpStorage::urlOf(std::string_view key) const
{
    return m_origin + "/" + urlEncode(key, true);
}

std::string HttpStorage::host() const
{
    return urlHost(m_origin);
}

bool HttpStorage::canList() const
{
    return true; // decided per folder: listFolder() says when a server offers no index
}

void HttpStorage::put(const std::string &key, std::string_view) const
{
    fail(ErrorCategory::Unsupported, "http(s) locations are read-only: cannot write " + urlOf(key), urlOf(key));
}

void HttpStorage::putFile(const std::string &key, const std::string &, const Progress &) const
{
    put(key, {});
}

void HttpStorage::remove(const std::string &key) const
{
    fail(ErrorCategory::Unsupported, "http(s) locations are read-only: cannot delete " + urlOf(key), urlOf(key));
}

std::optional<ObjectInfo> HttpStorage::statObject(const std::string &key) const
{
    HttpRequest request;
    request.method = "HEAD";
    request.url = urlOf(key);
    const HttpResponse r = send(request);
    // 3xx: web servers redirect a folder to its name with a '/': not a file.
    if (r.status == 404 || r.status == 410 || (r.status >= 300 && r.status < 400))
        return std::nullopt;
    if (r.status != 200)
        failResponse(r, key, "read");
    ObjectInfo info;
    const auto length = r.header("content-length");
    if (!length)
        fail(ErrorCategory::Unsupported, host() + " does not say how large " + urlOf(key) + " is (no Content-Length)",
            urlOf(key));
    info.size = std::strtoull(length->c_str(), nullptr, 10);
    info.version = r.header("etag").value_or(std::string());
    if (info.version.starts_with("W/"))
        info.version.clear(); // weak validators cannot pin byte ranges
    return info;
}

HttpRequest HttpStorage::rangeRequest(
    const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const
{
    HttpRequest request;
    request.url = urlOf(key);
    request.range = HttpByteRange{first, last};
    if (!info.version.empty())
        request.headers.push_back({"If-Match", info.version});
    return request;
}

bool HttpStorage::listingCovers(const std::string &key) const
{
    const size_t slash = key.rfind('/');
    return key.compare(slash == std::string::npos ? 0 : slash + 1, 1, ".") != 0;
}

StorageListing HttpStorage::listFolder(const std::string &prefix) const
{
    HttpRequest request;
    request.url = urlOf(prefix);
    if (!prefix.empty() && request.url.back() != '/')
        request.url += '/';
    request.headers.push_back({"Accept", "application/json, text/html;q=0.9"});
    request.maxBodyBytes = 64u << 20;
    const HttpResponse r = send(request);
    if (r.status == 404)
        return {};
    if (r.status != 200 || r.bodyLimitHit)
        fail(ErrorCategory::Unsupported,
            host() + " offers no folder listing for " + urlOf(prefix) + " (status " + std::to_string(r.status)
                + "): open the exact path of a checkpoint file or item instead",
            urlOf(prefix));
    StorageListing out;
    std::vector<std::string> files;
    const std::string type = r.header("content-type").value_or(std::string());
    auto json = nlohmann::json::parse(r.body, nullptr, false);
    if (!json.is_discarded() && json.is_array()) {
        // nginx `autoindex_format json`: [{"name", "type": "file"|"directory", "size"}, ...]
        for (const nlohmann::json &e : json) {
            if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
                continue;
            const std::string name = e["name"].get<std::string>();
            if (e.value("type", std::string()) == "directory") {
                out.prefixes.push_back(prefix + name + "/");
            } else if (e.value("type", std::string()) == "file") {
                files.push_back(prefix + name);
            }
        }
    } else if (type.find("text/html") != std::string::npos) {
        for (const std::string &name : htmlLinks(r.body)) {
            if (name.ends_with('/'))
                out.prefixes.push_back(prefix + name);
            else
                files.push_back(prefix + name);
        }
    } else {
        fail(ErrorCategory::Unsupported,
            host() + " answered the folder " + urlOf(prefix) + " with something that is not an index page",
            urlOf(prefix));
    }
    // Index pages carry no validators (ETags) and HTML ones no sizes: one HEAD per file, in parallel.
    std::vector<HttpRequest> heads(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        heads[i].method = "HEAD";
        heads[i].url = urlOf(files[i]);
    }
    const std::vector<HttpResponse> answers = http().sendAll(heads);
    for (size_t i = 0; i < files.size(); ++i) {
        const HttpResponse &h = answers[i];
        if (h.status != 200)
            continue; // listed but gone, or not a plain file
        ListedObject o{files[i], {}};
        o.info.size = std::strtoull(h.header("content-length").value_or("0").c_str(), nullptr, 10);
        o.info.version = h.header("etag").value_or(std::string());
        if (o.info.version.starts_with("W/"))
            o.info.version.clear();
        out.objects.push_back(std::move(o));
    }
    return out;
}

RemoteStorage::ListPage HttpStorage::listPage(const std::string &prefix, bool delimited, const std::string &token) const
{
    (void)token;
    const size_t slash = prefix.rfind('/');
    const std::string folder = slash == std::string::npos ? std::string() : prefix.substr(0, slash + 1);
    ListPage page;
    std::vector<std::string> pending{folder};
    while (!pending.empty()) {
        const std::string dir = pending.back();
        pending.pop_back();
        StorageListing l = listFolder(dir);
        for (ListedObject &o : l.objects)
            if (o.key.starts_with(prefix))
                page.listing.objects.push_back(std::move(o));
        for (std::string &p : l.prefixes) {
            if (!p.starts_with(prefix))
                continue;
            if (delimited)
                page.listing.prefixes.push_back(std::move(p));
            else
                pending.push_back(std::move(p));
        }
    }
    return page;
}

} // namespace ckpt
