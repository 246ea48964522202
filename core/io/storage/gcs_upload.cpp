// Uploads to GCS: small objects in one multipart/related request, large ones through a resumable
// upload session fed one part at a time, so memory stays at one part (docs/storage.md §6).

#include "base/error.h"
#include "io/file.h"
#include "io/storage/gcs_storage.h"

#include <nlohmann/json.hpp>

#include <random>

namespace ckpt {

namespace {

std::string randomBoundary()
{
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string b = "ckpt-boundary-";
    for (int i = 0; i < 32; ++i)
        b.push_back(kHex[rng() % 16]);
    return b;
}

std::string readPart(const File &file, uint64_t offset, uint64_t n)
{
    std::string bytes(size_t(n), '\0');
    file.readAt(offset, std::as_writable_bytes(std::span(bytes.data(), bytes.size())));
    return bytes;
}

/// The last byte a 308 answer says the server holds ("Range: bytes=0-N"), or -1 for none.
int64_t persistedEnd(const HttpResponse &r)
{
    const auto range = r.header("range");
    if (!range)
        return -1;
    const size_t dash = range->rfind('-');
    if (dash == std::string::npos)
        return -1;
    return std::strtoll(range->c_str() + dash + 1, nullptr, 10);
}

} // namespace

std::string GcsStorage::uploadUrl(const char *uploadType, const std::string &key) const
{
    return withUserProject(m_endpoint + "/upload/storage/v1/b/" + urlEncode(m_bucket, false)
        + "/o?uploadType=" + uploadType + "&name=" + urlEncode(key, false));
}

void GcsStorage::put(const std::string &key, std::string_view bytes) const
{
    putMultipart(key, bytes, {});
}

void GcsStorage::putMultipart(const std::string &key, std::string_view bytes, const Progress &progress) const
{
    // Multipart rather than uploadType=media: the metadata part names the object even when the
    // data is empty, which every server (gcp-storage-emulator included) accepts.
    std::string boundary = randomBoundary();
    while (bytes.find(boundary) != std::string_view::npos)
        boundary = randomBoundary();
    const std::string meta = nlohmann::json{{"name", key}}.dump();
    HttpRequest request;
    request.method = "POST";
    request.url = uploadUrl("multipart", key);
    request.headers.push_back({"Content-Type", "multipart/related; boundary=" + boundary});
    request.body.reserve(bytes.size() + meta.size() + 3 * boundary.size() + 128);
    request.body += "--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" + meta + "\r\n";
    request.body += "--" + boundary + "\r\nContent-Type: application/octet-stream\r\n\r\n";
    request.body += bytes;
    request.body += "\r\n--" + boundary + "--\r\n";
    request.displayName = urlOf(key);
    forget(key);
    const HttpResponse r = send(std::move(request), progress);
    if (r.status != 200 && r.status != 201)
        failResponse(r, key, "write");
    progress.update(bytes.size(), bytes.size());
}

void GcsStorage::putFile(const std::string &key, const std::string &path, const Progress &progress) const
{
    const auto file = File::open(path);
    const uint64_t size = file->size();
    if (size <= uploadPartBytes()) {
        putMultipart(key, readPart(*file, 0, size), progress);
        return;
    }
    putResumable(key, *file, progress);
}

void GcsStorage::putResumable(const std::string &key, const File &file, const Progress &progress) const
{
    const uint64_t size = file.size();
    HttpRequest start;
    start.method = "POST";
    start.url = uploadUrl("resumable", key);
    start.headers.push_back({"Content-Type", "application/json; charset=UTF-8"});
    start.headers.push_back({"X-Upload-Content-Type", "application/octet-stream"});
    start.headers.push_back({"X-Upload-Content-Length", std::to_string(size)});
    start.body = nlohmann::json{{"name", key}}.dump();
    start.displayName = urlOf(key);
    forget(key);
    const HttpResponse started = send(std::move(start), progress);
    if (started.status != 200 && started.status != 201)
        failResponse(started, key, "write");
    const auto session = started.header("location");
    if (!session || session->empty())
        fail(ErrorCategory::Corrupt, host() + " started no upload session for " + urlOf(key) + " (no Location header)",
            urlOf(key));
    try {
        // A part is re-sent from what the server says it holds; a server that keeps losing what
        // it was sent ends the upload instead of looping.
        uint64_t offset = 0;
        int stalled = 0;
        while (true) {
            const uint64_t n = std::min(uploadPartBytes(), size - offset);
            HttpRequest part;
            part.method = "PUT";
            part.url = *session;
            // n == 0: the server holds every byte but has not answered with the object yet.
            part.headers.push_back({"Content-Range",
                n == 0 ? "bytes */" + std::to_string(size)
                       : "bytes " + std::to_string(offset) + "-" + std::to_string(offset + n - 1) + "/"
                        + std::to_string(size)});
            part.body = readPart(file, offset, n);
            part.displayName = urlOf(key);
            const HttpResponse r = send(std::move(part), progress);
            if (r.status == 200 || r.status == 201) {
                progress.update(size, size);
                return;
            }
            if (r.status != 308)
                failResponse(r, key, "write");
            const uint64_t next = uint64_t(persistedEnd(r) + 1);
            stalled = next > offset ? 0 : stalled + 1;
            if (stalled >= 3 || next > size)
                fail(ErrorCategory::Io,
                    host() + " does not keep the parts of " + urlOf(key) + " (it holds " + std::to_string(next) + " of "
                        + std::to_string(size) + " bytes after resending)",
                    urlOf(key));
            offset = next;
            progress.update(offset, size);
        }
    } catch (...) {
        // Cancel the session so that the server drops what it holds; no object exists until the
        // last part arrived, so there is nothing else to remove.
        try {
            HttpRequest cancel;
            cancel.method = "DELETE";
            cancel.url = *session;
            cancel.displayName = urlOf(key);
            send(std::move(cancel));
        } catch (const Exception &) { }
        throw;
    }
}

} // namespace ckpt
