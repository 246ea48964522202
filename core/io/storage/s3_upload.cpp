// Uploads to S3: objects up to one part in a single PUT, larger ones as a multipart upload whose
// parts go out a few at a time, so memory stays at a few parts (docs/storage.md §6).

#include "base/error.h"
#include "io/file.h"
#include "io/storage/aws_sigv4.h"
#include "io/storage/s3_storage.h"
#include "io/storage/s3_xml.h"

#include <algorithm>

namespace ckpt {

namespace {

/// Parts in flight at once: memory is this many parts.
constexpr uint64_t kPartsInFlight = 4;
/// S3 allows at most this many parts per upload.
constexpr uint64_t kMaxParts = 10000;

std::string readPart(const File &file, uint64_t offset, uint64_t n)
{
    std::string bytes(size_t(n), '\0');
    file.readAt(offset, std::as_writable_bytes(std::span(bytes.data(), bytes.size())));
    return bytes;
}

} // namespace

void S3Storage::put(const std::string &key, std::string_view bytes) const
{
    putBytes(key, std::string(bytes), {});
}

void S3Storage::putBytes(const std::string &key, std::string body, const Progress &progress) const
{
    const uint64_t size = body.size();
    HttpRequest request;
    request.method = "PUT";
    request.url = s3RequestUrl(m_settings, m_bucket, key);
    request.headers.push_back({"Content-Type", "application/octet-stream"});
    request.body = std::move(body);
    request.displayName = urlOf(key);
    forget(key);
    const HttpResponse r = send(std::move(request), progress);
    if (r.status != 200)
        failResponse(r, key, "write");
    progress.update(size, size);
}

void S3Storage::putFile(const std::string &key, const std::string &path, const Progress &progress) const
{
    const auto file = File::open(path);
    if (file->size() <= uploadPartBytes()) {
        putBytes(key, readPart(*file, 0, file->size()), progress);
        return;
    }
    putMultipart(key, *file, progress);
}

void S3Storage::putMultipart(const std::string &key, const File &file, const Progress &progress) const
{
    const uint64_t size = file.size();
    uint64_t partBytes = uploadPartBytes();
    if ((size + partBytes - 1) / partBytes > kMaxParts)
        partBytes = ((size + kMaxParts - 1) / kMaxParts + (1U << 20) - 1) & ~uint64_t((1U << 20) - 1);
    const uint64_t parts = (size + partBytes - 1) / partBytes;

    HttpRequest create;
    create.method = "POST";
    create.url = s3RequestUrl(m_settings, m_bucket, key, {{"uploads", ""}});
    create.displayName = urlOf(key);
    forget(key);
    const HttpResponse created = send(std::move(create), progress);
    if (created.status != 200)
        failResponse(created, key, "write");
    const std::string uploadId = parseS3InitiateMultipartUpload(created.body, urlOf(key));
    try {
        std::vector<S3CompletedPart> done;
        for (uint64_t first = 0; first < parts; first += kPartsInFlight) {
            progress.throwIfCancelled();
            std::vector<HttpRequest> batch;
            for (uint64_t p = first; p < std::min(parts, first + kPartsInFlight); ++p) {
                const uint64_t offset = p * partBytes;
                HttpRequest part;
                part.method = "PUT";
                part.url = s3RequestUrl(
                    m_settings, m_bucket, key, {{"partNumber", std::to_string(p + 1)}, {"uploadId", uploadId}});
                part.body = readPart(file, offset, std::min(partBytes, size - offset));
                part.displayName = urlOf(key);
                authorize(part);
                batch.push_back(std::move(part));
            }
            const std::vector<HttpResponse> answers = http().sendAll(batch, progress);
            for (size_t i = 0; i < answers.size(); ++i) {
                if (answers[i].status != 200)
                    failResponse(answers[i], key, "write");
                const auto etag = answers[i].header("etag");
                if (!etag || etag->empty())
                    fail(ErrorCategory::Corrupt,
                        host() + " gave no ETag for part " + std::to_string(first + i + 1) + " of " + urlOf(key),
                        urlOf(key));
                done.push_back({int(first + i + 1), *etag});
            }
            progress.update(std::min(size, (first + batch.size()) * partBytes), size);
        }
        HttpRequest complete;
        complete.method = "POST";
        complete.url = s3RequestUrl(m_settings, m_bucket, key, {{"uploadId", uploadId}});
        complete.headers.push_back({"Content-Type", "application/xml"});
        complete.body = buildS3CompleteMultipartUpload(done);
        complete.displayName = urlOf(key);
        const HttpResponse r = send(std::move(complete), progress);
        // S3 may answer 200 and still fail: the error is then in the body.
        if (r.status != 200)
            failResponse(r, key, "write");
        if (parseS3Error(r.body))
            fail(ErrorCategory::Io,
                host() + " did not complete the upload of " + urlOf(key) + " (the server said: " + errorDetail(r) + ")",
                urlOf(key));
        forget(key);
    } catch (...) {
        // Abort so the server drops the parts (they are billed, and invisible, until then).
        try {
            HttpRequest abort;
            abort.method = "DELETE";
            abort.url = s3RequestUrl(m_settings, m_bucket, key, {{"uploadId", uploadId}});
            abort.displayName = urlOf(key);
            send(std::move(abort));
        } catch (const Exception &) { }
        throw;
    }
}

} // namespace ckpt
