#pragma once

#include "io/storage/aws_credentials.h"
#include "io/storage/remote_storage.h"

#include <memory>
#include <string>

namespace ckpt {

class File;

/// An S3 bucket (AWS or any S3-compatible server) through the REST API: ListObjectsV2 with
/// continuation tokens, HEAD, ranged GET pinned by `If-Match`, PUT (multipart for large objects) and DELETE, every
/// request signed with Signature Version 4 unless the settings are anonymous (docs/storage.md §5.3).
class S3Storage final : public RemoteStorage {
public:
    S3Storage(std::string bucket, S3Settings settings, std::shared_ptr<HttpClient> http);

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
    std::string credentialsDescription() const override;
    /// `Code: Message` of an S3 error body; nothing else of it (a SignatureDoesNotMatch body
    /// repeats the string to sign and the key id).
    std::string errorDetail(const HttpResponse &response) const override;
    /// 401/403, and the codes S3-compatible servers send with other statuses for refused
    /// credentials (a wrong region is 400 AuthorizationHeaderMalformed; versitygw answers an unknown
    /// key with 404 XAdminUserNotFound).
    bool isAuthFailure(const HttpResponse &response) const override;

private:
    void putBytes(const std::string &key, std::string body, const Progress &progress) const;
    /// CreateMultipartUpload, parts sent several at a time, CompleteMultipartUpload; aborted on
    /// any failure (s3_upload.cpp).
    void putMultipart(const std::string &key, const File &file, const Progress &progress) const;

    std::string m_bucket;
    S3Settings m_settings;
};

} // namespace ckpt
