// Fuzz target for the S3 XML parsers (core/io/storage/s3_xml). Every input goes through the
// ListObjectsV2, InitiateMultipartUpload and Error parsers. The first two must reject bad input
// with ckpt::Exception{Corrupt} only, and parseS3Error must never throw; none may crash or hang
// (a DOCTYPE is refused, so no entity expansion).
//
// Properties checked for every input a parser accepts (a violation aborts with "PROPERTY FAILED"):
//  1. A truncated listing carries a continuation token.
//  2. An accepted listing or upload is not also read as an <Error> (each document has one root).
//  3. An accepted UploadId is non-empty; an accepted Error has a non-empty Code.
//  4. A CompleteMultipartUpload body built from the listing's ETags is accepted by nothing but
//     its own root: the Error and list parsers reject it (escaping kept it well-formed).
#include "base/error.h"
#include "fuzz_property.h"
#include "io/storage/s3_xml.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ckpt::fuzz::require;

void requireCorrupt(const ckpt::Exception &e, const char *parser)
{
    require(e.error().category == ckpt::ErrorCategory::Corrupt, std::string(parser) + " fails only as corrupt");
    require(e.error().file == "s3://fuzz/", std::string(parser) + " names the display name");
}

void checkCompleteBody(const ckpt::S3ListResult &r)
{
    std::vector<ckpt::S3CompletedPart> parts;
    for (const ckpt::S3ObjectInfo &o : r.objects) {
        bool usable = !o.etag.empty();
        for (char c : o.etag)
            usable = usable && uint8_t(c) >= 0x20;
        if (usable && parts.size() < 10000)
            parts.push_back({int(parts.size()) + 1, o.etag});
    }
    if (parts.empty())
        return;
    const std::string body = ckpt::buildS3CompleteMultipartUpload(parts);
    require(!ckpt::parseS3Error(body), "a CompleteMultipartUpload body is not an Error");
    try {
        ckpt::parseS3ListObjectsV2(body, "s3://fuzz/");
        ckpt::fuzz::propertyFailed("a CompleteMultipartUpload body is not a listing");
    } catch (const ckpt::Exception &e) {
        // Well-formed XML with another root: the message says so rather than reporting a syntax error.
        require(e.error().message.find("root element is <CompleteMultipartUpload>") != std::string::npos,
            "the built body is well-formed XML: " + e.error().message);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view xml(reinterpret_cast<const char *>(data), size);
    const std::optional<ckpt::S3ErrorInfo> error = ckpt::parseS3Error(xml);
    if (error)
        require(!error->code.empty(), "an accepted Error has a Code");
    try {
        const ckpt::S3ListResult r = ckpt::parseS3ListObjectsV2(xml, "s3://fuzz/");
        require(!r.isTruncated || !r.nextContinuationToken.empty(), "a truncated listing has a token");
        require(!error, "a listing is not also an Error");
        checkCompleteBody(r);
    } catch (const ckpt::Exception &e) {
        requireCorrupt(e, "parseS3ListObjectsV2");
    }
    try {
        const std::string uploadId = ckpt::parseS3InitiateMultipartUpload(xml, "s3://fuzz/");
        require(!uploadId.empty(), "an accepted UploadId is non-empty");
        require(!error, "an upload result is not also an Error");
    } catch (const ckpt::Exception &e) {
        requireCorrupt(e, "parseS3InitiateMultipartUpload");
    }
    return 0;
}
