#include "io/storage/storage_url.h"

#include "base/error.h"
#include "io/storage/gcs_credentials.h"
#include "io/storage/gcs_storage.h"
#include "io/storage/http_client.h"
#include "io/storage/http_storage.h"
#include "io/storage/s3_storage.h"

#include <cctype>
#include <map>
#include <mutex>

namespace ckpt {

namespace {

std::string lowerScheme(std::string_view path)
{
    const size_t colon = path.find("://");
    if (colon > 5) // also npos: no scheme
        return {};
    std::string s(path.substr(0, colon));
    for (char &c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string decodePath(std::string_view s, std::string_view url)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size() || hexDigitValue(s[i + 1]) < 0 || hexDigitValue(s[i + 2]) < 0)
            fail(ErrorCategory::InvalidArgument, "bad percent-escape in URL " + std::string(url));
        out.push_back(char(hexDigitValue(s[i + 1]) * 16 + hexDigitValue(s[i + 2])));
        i += 2;
    }
    return out;
}

/// The environment's GCS credentials (docs/storage.md §5.1), resolved once per process.
GcsStorage::Credentials gcsCredentials()
{
    static const std::shared_ptr<GcsTokenSource> source
        = resolveGcsCredentials(processEnvironment(), HttpClient::shared());
    GcsStorage::Credentials c;
    c.header = [s = source] { return s->authorizationHeader({}); };
    c.invalidate = [s = source] { s->invalidate(); };
    c.description = source->describe();
    c.userProject = source->userProject().value_or(std::string());
    return c;
}

} // namespace

bool isStorageUrl(std::string_view path)
{
    const std::string s = lowerScheme(path);
    return s == "gs" || s == "s3" || s == "http" || s == "https";
}

StorageUrl parseStorageUrl(std::string_view url)
{
    StorageUrl u;
    u.scheme = lowerScheme(url);
    if (!isStorageUrl(url))
        fail(
            ErrorCategory::InvalidArgument, "not a storage URL (gs://, s3://, http://, https://): " + std::string(url));
    std::string_view rest = url.substr(url.find("://") + 3);
    if (rest.find_first_of("?#") != std::string_view::npos)
        fail(ErrorCategory::InvalidArgument, "storage URLs take no query or fragment: " + std::string(url));
    const size_t slash = rest.find('/');
    u.bucket = std::string(rest.substr(0, slash));
    if (u.bucket.empty())
        fail(ErrorCategory::InvalidArgument,
            std::string(u.scheme.starts_with("http") ? "no host" : "no bucket") + " in URL " + std::string(url));
    std::string key = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    if (u.scheme.starts_with("http"))
        key = decodePath(key, url);
    // Collapse empty segments ("a//b", a trailing '/') so that keys compare equal however typed.
    std::string clean;
    size_t pos = 0;
    while (pos <= key.size()) {
        const size_t next = std::min(key.find('/', pos), key.size());
        const std::string_view seg(key.data() + pos, next - pos);
        if (seg == "..")
            fail(ErrorCategory::InvalidArgument, "storage URLs may not contain '..': " + std::string(url));
        if (!seg.empty() && seg != ".") {
            if (!clean.empty())
                clean += '/';
            clean += seg;
        }
        pos = next + 1;
    }
    u.key = std::move(clean);
    return u;
}

std::string joinStorageUrl(std::string_view dir, std::string_view name)
{
    std::string out(dir);
    while (!out.empty() && out.back() == '/' && !out.ends_with("://"))
        out.pop_back();
    return out + "/" + std::string(name);
}

StoragePtr storageFor(const StorageUrl &url)
{
    static std::mutex mutex;
    static std::map<std::string, StoragePtr> stores;
    const std::string id = url.scheme + "://" + url.bucket;
    std::lock_guard lock(mutex);
    if (auto it = stores.find(id); it != stores.end())
        return it->second;
    StoragePtr s;
    if (url.scheme == "gs") {
        s = std::make_shared<GcsStorage>(
            url.bucket, GcsStorage::endpointFromEnvironment(), gcsCredentials(), HttpClient::shared());
    } else if (url.scheme == "http" || url.scheme == "https") {
        s = std::make_shared<HttpStorage>(url.scheme + "://" + url.bucket, HttpClient::shared());
    } else {
        s = std::make_shared<S3Storage>(url.bucket, resolveS3Settings(processEnvironment()), HttpClient::shared());
    }
    stores[id] = s;
    return s;
}

} // namespace ckpt
