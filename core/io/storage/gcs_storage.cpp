#include "io/storage/gcs_storage.h"

#include "base/error.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace ckpt {

namespace {

uint64_t jsonSize(const nlohmann::json &j, const std::string &url)
{
    // The JSON API sends int64 values as decimal strings.
    if (j.is_string()) {
        const auto &s = j.get_ref<const std::string &>();
        char *end = nullptr;
        const unsigned long long n = std::strtoull(s.c_str(), &end, 10);
        if (!s.empty() && *end == '\0')
            return n;
    } else if (j.is_number_unsigned()) {
        return j.get<uint64_t>();
    }
    fail(ErrorCategory::Corrupt, "the object metadata of " + url + " has no valid size", url);
}

std::string jsonString(const nlohmann::json &j, const char *name)
{
    auto it = j.find(name);
    if (it == j.end())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_number())
        return it->dump();
    return {};
}

nlohmann::json parseJson(const std::string &body, const std::string &url)
{
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        fail(ErrorCategory::Corrupt, "the storage server's answer for " + url + " is not a JSON object", url);
    return j;
}

} // namespace

GcsStorage::GcsStorage(
    std::string bucket, std::string endpoint, Credentials credentials, std::shared_ptr<HttpClient> http)
    : RemoteStorage(std::move(http))
    , m_bucket(std::move(bucket))
    , m_endpoint(std::move(endpoint))
    , m_credentials(std::move(credentials))
{
    while (!m_endpoint.empty() && m_endpoint.back() == '/')
        m_endpoint.pop_back();
}

std::string GcsStorage::endpointFromEnvironment()
{
    for (const char *name : {"STORAGE_EMULATOR_HOST", "TENSORSTORE_GCS_HTTP_URL", "CKPT_GCS_ENDPOINT"}) {
        const char *v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): nothing in the process calls setenv
        if (v && *v) {
            std::string e = v;
            if (e.find("://") == std::string::npos)
                e.insert(0, "http://"); // STORAGE_EMULATOR_HOST is often given as host:port
            while (e.back() == '/')
                e.pop_back();
            return e;
        }
    }
    return "https://storage.googleapis.com";
}

std::string GcsStorage::urlOf(std::string_view key) const
{
    return "gs://" + m_bucket + "/" + std::string(key);
}

std::string GcsStorage::host() const
{
    return urlHost(m_endpoint);
}

std::string GcsStorage::withUserProject(std::string url) const
{
    if (!m_credentials.userProject.empty())
        url += std::string(url.find('?') == std::string::npos ? "?" : "&")
            + "userProject=" + urlEncode(m_credentials.userProject, false);
    return url;
}

std::string GcsStorage::objectUrl(const std::string &key) const
{
    return m_endpoint + "/storage/v1/b/" + urlEncode(m_bucket, false) + "/o/" + urlEncode(key, false);
}

void GcsStorage::authorize(HttpRequest &request) const
{
    if (!m_credentials.header)
        return;
    if (auto h = m_credentials.header())
        request.headers.push_back({"Authorization", *h});
}

void GcsStorage::credentialsRejected() const
{
    if (m_credentials.invalidate)
        m_credentials.invalidate();
}

RemoteStorage::ListPage GcsStorage::listPage(const std::string &prefix, bool delimited, const std::string &token) const
{
    std::string url
        = m_endpoint + "/storage/v1/b/" + urlEncode(m_bucket, false) + "/o?prefix=" + urlEncode(prefix, false);
    if (delimited)
        url += "&delimiter=%2F";
    if (!token.empty())
        url += "&pageToken=" + urlEncode(token, false);
    HttpRequest request;
    request.url = withUserProject(url);
    request.displayName = urlOf(prefix);
    const HttpResponse r = send(request);
    if (r.status != 200)
        failResponse(r, prefix, "list");
    const nlohmann::json j = parseJson(r.body, urlOf(prefix));
    ListPage page;
    if (auto it = j.find("items"); it != j.end() && it->is_array()) {
        for (const nlohmann::json &item : *it) {
            ListedObject o;
            o.key = jsonString(item, "name");
            if (o.key.empty() || !o.key.starts_with(prefix))
                fail(ErrorCategory::Corrupt, "the listing of " + urlOf(prefix) + " names an object outside it",
                    urlOf(prefix));
            o.info.size = jsonSize(item.value("size", nlohmann::json()), urlOf(o.key));
            o.info.version = jsonString(item, "generation");
            page.listing.objects.push_back(std::move(o));
        }
    }
    if (auto it = j.find("prefixes"); it != j.end() && it->is_array())
        for (const nlohmann::json &p : *it)
            if (p.is_string())
                page.listing.prefixes.push_back(p.get<std::string>());
    page.nextToken = jsonString(j, "nextPageToken");
    return page;
}

std::optional<ObjectInfo> GcsStorage::statObject(const std::string &key) const
{
    HttpRequest request;
    request.url = withUserProject(objectUrl(key));
    request.displayName = urlOf(key);
    const HttpResponse r = send(request);
    if (r.status == 404)
        return std::nullopt;
    if (r.status != 200)
        failResponse(r, key, "read");
    const nlohmann::json j = parseJson(r.body, urlOf(key));
    ObjectInfo info;
    info.size = jsonSize(j.value("size", nlohmann::json()), urlOf(key));
    info.version = jsonString(j, "generation");
    return info;
}

HttpRequest GcsStorage::rangeRequest(
    const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const
{
    HttpRequest request;
    request.url = objectUrl(key) + "?alt=media";
    if (!info.version.empty())
        request.url += "&generation=" + urlEncode(info.version, false);
    request.url = withUserProject(request.url);
    request.range = HttpByteRange{first, last};
    request.displayName = urlOf(key);
    return request;
}

void GcsStorage::remove(const std::string &key) const
{
    HttpRequest request;
    request.method = "DELETE";
    request.url = withUserProject(objectUrl(key));
    request.displayName = urlOf(key);
    forget(key);
    const HttpResponse r = send(std::move(request));
    if (r.status != 200 && r.status != 204 && r.status != 404)
        failResponse(r, key, "delete");
}

} // namespace ckpt
