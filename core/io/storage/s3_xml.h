#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

/// One `<Contents>` entry of a listing.
struct S3ObjectInfo {
    std::string key; ///< decoded (entities, and URL encoding when the response says EncodingType url)
    uint64_t size = 0; ///< bytes
    std::string etag; ///< as sent, quotes included, e.g. "\"9b2cf535f27731c974343645a3985328\""
    std::string lastModified; ///< ISO 8601 as sent, e.g. "2009-10-12T17:50:30.000Z"; may be empty
};

/// One page of a ListObjectsV2 response.
struct S3ListResult {
    std::vector<S3ObjectInfo> objects; ///< in response order (S3: ascending UTF-8 key order)
    std::vector<std::string> commonPrefixes; ///< decoded like keys, e.g. "run1/step_100/"
    bool isTruncated = false;
    std::string nextContinuationToken; ///< opaque; send back as `continuation-token`; set when truncated
    std::optional<uint64_t> keyCount;
};

/// Parses a `<ListBucketResult>` (ListObjectsV2) body. Keys and prefixes are URL-decoded ('+' is a
/// space) when the body has `<EncodingType>url</EncodingType>`. Throws Exception{Corrupt} (file =
/// displayName, byte offset where expat stopped) for malformed XML, a DOCTYPE, another root
/// element, a `<Contents>` without Key or Size, a bad number or boolean, or IsTruncated without
/// a NextContinuationToken.
S3ListResult parseS3ListObjectsV2(std::string_view xml, const std::string &displayName);

/// The three fields of an S3 `<Error>` body that are safe to show.
struct S3ErrorInfo {
    std::string code; ///< e.g. "NoSuchKey", "SignatureDoesNotMatch"
    std::string message;
    std::string requestId;
};

/// Reads Code, Message and RequestId of an `<Error>` document, and nothing else (the body of a
/// SignatureDoesNotMatch error also holds the string to sign and the key id: they are skipped).
/// Never throws: nullopt for an empty, non-XML, malformed or non-`<Error>` body or one without
/// a Code, so a caller reporting an HTTP failure can fall back to the status line.
std::optional<S3ErrorInfo> parseS3Error(std::string_view xml);

/// The UploadId of an `<InitiateMultipartUploadResult>` body. Throws Exception{Corrupt} like
/// parseS3ListObjectsV2, also when UploadId is missing or empty.
std::string parseS3InitiateMultipartUpload(std::string_view xml, const std::string &displayName);

/// A part already uploaded, for CompleteMultipartUpload.
struct S3CompletedPart {
    int partNumber = 0; ///< 1..10000
    std::string etag; ///< the part's ETag response header, quotes included
};

/// The CompleteMultipartUpload request body, parts in the given order, text XML-escaped.
/// Throws Exception{InvalidArgument} for no parts, part numbers outside 1..10000 or not strictly
/// increasing, or an empty ETag or one holding control characters.
std::string buildS3CompleteMultipartUpload(const std::vector<S3CompletedPart> &parts);

} // namespace ckpt
