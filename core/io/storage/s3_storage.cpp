#include "io/storage/s3_storage.h"

#include "base/error.h"
#include "io/storage/aws_sigv4.h"
#include "io/storage/s3_xml.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace ckpt {

S3Storage::S3Storage(std::string bucket, S3Settings settings, std::shared_ptr<HttpClient> http)
    : RemoteStorage(std::move(http))
    , m_bucket(std::move(bucket))
    , m_settings(std::move(settings))
{ }

std::string S3Storage::urlOf(std::string_view key) const
{
    return "s3://" + m_bucket + "/" + std::string(key);
}

std::string S3Storage::host() const
{
    return urlHost(s3RequestUrl(m_settings, m_bucket, ""));
}

void S3Storage::authorize(HttpRequest &request) const
{
    if (!m_settings.credentials.anonymous())
        signAwsV4(request, m_settings.credentials, m_settings.region, "s3", std::chrono::system_clock::now());
}

std::string S3Storage::credentialsDescription() const
{
    if (m_settings.credentials.anonymous())
        return "no credentials (anonymous)";
    return "access key " + m_settings.credentials.accessKeyId + " from " + m_settings.credentials.source;
}

std::string S3Storage::errorDetail(const HttpResponse &response) const
{
    if (auto e = parseS3Error(response.body))
        return e->code + (e->message.empty() ? std::string() : ": " + e->message);
    return {};
}

bool S3Storage::isAuthFailure(const HttpResponse &response) const
{
    if (RemoteStorage::isAuthFailure(response))
        return true;
    const auto e = parseS3Error(response.body);
    if (!e)
        return false;
    static constexpr std::array<std::string_view, 8> kRefused
        = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed",
            "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "XAdminUserNotFound"};
    return std::find(kRefused.begin(), kRefused.end(), e->code) != kRefused.end();
}

RemoteStorage::ListPage S3Storage::listPage(const std::string &prefix, bool delimited, const std::string &token) const
{
    S3Query query{{"list-type", "2"}, {"encoding-type", "url"}, {"prefix", prefix}};
    if (delimited)
        query.emplace_back("delimiter", "/");
    if (!token.empty())
        query.emplace_back("continuation-token", token);
    HttpRequest request;
    request.url = s3RequestUrl(m_settings, m_bucket, "", query);
    request.displayName = urlOf(prefix);
    const HttpResponse r = send(request);
    if (r.status != 200)
        failResponse(r, prefix, "list");
    const S3ListResult result = parseS3ListObjectsV2(r.body, urlOf(prefix));
    ListPage page;
    for (const S3ObjectInfo &o : result.objects) {
        if (!o.key.starts_with(prefix))
            fail(ErrorCategory::Corrupt, "the listing of " + urlOf(prefix) + " names an object outside it",
                urlOf(prefix));
        page.listing.objects.push_back({o.key, {o.size, o.etag}});
    }
    page.listing.prefixes = result.commonPrefixes;
    if (result.isTruncated) {
        if (result.nextContinuationToken.empty())
            fail(ErrorCategory::Corrupt,
                "the listing of " + urlOf(prefix) + " is truncated but gives no continuation token", urlOf(prefix));
        page.nextToken = result.nextContinuationToken;
    }
    return page;
}

std::optional<ObjectInfo> S3Storage::statObject(const std::string &key) const
{
    HttpRequest request;
    request.method = "HEAD";
    request.url = s3RequestUrl(m_settings, m_bucket, key);
    request.displayName = urlOf(key);
    const HttpResponse r = send(request);
    if (r.status == 404)
        return std::nullopt;
    if (r.status != 200) {
        // A HEAD answer has no body to say why; a one-byte GET of the same object does.
        HttpRequest probe = rangeRequest(key, {}, 0, 0);
        const HttpResponse why = send(std::move(probe));
        failResponse(why.status == 200 || why.status == 206 ? r : why, key, "read");
    }
    ObjectInfo info;
    const auto length = r.header("content-length");
    if (!length)
        fail(ErrorCategory::Corrupt, host() + " gave no Content-Length for " + urlOf(key), urlOf(key));
    info.size = std::strtoull(length->c_str(), nullptr, 10);
    info.version = r.header("etag").value_or(std::string());
    return info;
}

HttpRequest S3Storage::rangeRequest(const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const
{
    HttpRequest request;
    request.url = s3RequestUrl(m_settings, m_bucket, key);
    request.range = HttpByteRange{first, last};
    if (!info.version.empty())
        request.headers.push_back({"If-Match", info.version});
    request.displayName = urlOf(key);
    return request;
}

void S3Storage::remove(const std::string &key) const
{
    HttpRequest request;
    request.method = "DELETE";
    request.url = s3RequestUrl(m_settings, m_bucket, key);
    request.displayName = urlOf(key);
    forget(key);
    const HttpResponse r = send(std::move(request));
    if (r.status != 200 && r.status != 204 && r.status != 404)
        failResponse(r, key, "delete");
}

} // namespace ckpt
