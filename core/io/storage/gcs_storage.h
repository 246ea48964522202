#pragma once

#include "io/storage/remote_storage.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ckpt {

class File;

/// A Google Cloud Storage bucket through the JSON API: metadata and listings from
/// `storage/v1/b/<bucket>/o`, media downloads with `Range` pinned by `generation=`, multipart uploads
/// and, for large objects, resumable uploads (gcs_upload.cpp).
/// The endpoint is https://storage.googleapis.com unless STORAGE_EMULATOR_HOST or
/// TENSORSTORE_GCS_HTTP_URL name another (docs/storage.md).
class GcsStorage final : public RemoteStorage {
public:
    /// Supplies the `Authorization` header value ("Bearer ..."), or nullopt for anonymous access.
    struct Credentials {
        std::function<std::optional<std::string>()> header;
        std::function<void()> invalidate;
        std::string description = "no credentials (anonymous)";
        std::string userProject; ///< requester-pays billing project, empty if none
    };

    GcsStorage(std::string bucket, std::string endpoint, Credentials credentials, std::shared_ptr<HttpClient> http);

    /// The endpoint the environment selects (no trailing '/').
    static std::string endpointFromEnvironment();

    std::string urlOf(std::string_view key) const override;
    void put(const std::string &key, std::string_view bytes) const override;
    void putFile(const std::string &key, const std::string &path, const Progress &progress) const override;
    void remove(const std::string &key) const override;

protected:
    std::string host() const override;
    ListPage listPage(const std::string &prefix, bool delimited, const std::string &token) const override;
    std::optional<ObjectInfo> statObject(const std::string &key) const override;
    HttpRequest rangeRequest(
        const std::string &key, const ObjectInfo &info, uint64_t first, uint64_t last) const override;
    void authorize(HttpRequest &request) const override;
    void credentialsRejected() const override;
    std::string credentialsDescription() const override { return m_credentials.description; }

private:
    std::string objectUrl(const std::string &key) const;
    std::string withUserProject(std::string url) const;
    std::string uploadUrl(const char *uploadType, const std::string &key) const;
    /// One multipart/related request (metadata + bytes): objects up to uploadPartBytes().
    void putMultipart(const std::string &key, std::string_view bytes, const Progress &progress) const;
    /// A resumable upload session fed part by part from `path`.
    void putResumable(const std::string &key, const File &file, const Progress &progress) const;

    std::string m_bucket;
    std::string m_endpoint;
    Credentials m_credentials;
};

} // namespace ckpt
