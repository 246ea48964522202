#pragma once

#include "io/storage/env_lookup.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ckpt {

/// An AWS access key, or none (anonymous). Holds a secret: never log, print or put it in an Error;
/// `source` is the one part safe to show.
struct AwsCredentials {
    std::string accessKeyId;
    std::string secretAccessKey;
    std::string sessionToken; ///< empty for long-term keys
    /// Where the key came from, e.g. "environment (AWS_ACCESS_KEY_ID)" or
    /// "profile 'dev' in /home/u/.aws/credentials"; never holds the secret.
    std::string source;

    /// True when there is no key: requests go out unsigned.
    bool anonymous() const { return accessKeyId.empty() || secretAccessKey.empty(); }
};

/// Everything needed to address and sign S3 requests.
struct S3Settings {
    AwsCredentials credentials;
    std::string region = "us-east-1";
    /// Custom endpoint, e.g. "http://127.0.0.1:7070" (no trailing '/'); empty means AWS itself.
    std::string endpoint;
    /// Path-style (`ENDPOINT/BUCKET/KEY`) instead of virtual-hosted (`BUCKET.HOST/KEY`) URLs.
    bool pathStyle = false;
};

/// Resolves credentials, region, endpoint and addressing style the way the AWS CLI does, without
/// any network access (no instance metadata, SSO or assume-role). Empty variables count as unset.
///
/// - Credentials: AWS_NO_SIGN_REQUEST=true gives anonymous; else AWS_ACCESS_KEY_ID +
///   AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else profile AWS_PROFILE (default "default") from
///   AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials, section `[NAME]`), then from
///   AWS_CONFIG_FILE (default ~/.aws/config, section `[profile NAME]`, or `[default]`); else anonymous.
/// - Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else "us-east-1".
/// - Endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, `[services NAME]` `s3 = endpoint_url`, the
///   profile's nested `s3 = endpoint_url`, the profile's `endpoint_url`; none of them when
///   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
/// - Path style: true for a custom endpoint, else false; the profile's `s3 = addressing_style`
///   (path|virtual|auto) and then CKPT_S3_ADDRESSING (path|virtual) override that.
///
/// Throws Exception{InvalidArgument} for an unparsable INI file (naming file and line, never a
/// value), an AWS_PROFILE found in neither file, half a key pair, or a bad addressing/endpoint
/// value; {Unsupported} for a profile that only offers role_arn, SSO, credential_process or web
/// identity; {Io} for a file that exists but cannot be read.
S3Settings resolveS3Settings(const EnvLookup &env);

/// Decoded query parameters (name, value), in the order they go on the URL.
using S3Query = std::vector<std::pair<std::string, std::string>>;

/// The URL of `key` in `bucket` (key empty: the bucket itself, for listings), with `query` encoded
/// (a parameter with an empty value is written as a bare name, e.g. `?uploads`).
/// Virtual-hosted: `https://BUCKET.s3.REGION.amazonaws.com/KEY`, or `SCHEME://BUCKET.HOST/KEY` for a
/// custom endpoint; path-style: `https://s3.REGION.amazonaws.com/BUCKET/KEY` or `ENDPOINT/BUCKET/KEY`.
/// Buckets that are not valid DNS labels (uppercase, '_', or '.' over https) always use path style.
/// The key is percent-encoded once with '/' kept. Throws Exception{InvalidArgument} for an empty
/// bucket or one containing '/'.
std::string s3RequestUrl(
    const S3Settings &settings, std::string_view bucket, std::string_view key, const S3Query &query = {});

} // namespace ckpt
