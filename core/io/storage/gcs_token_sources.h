// The concrete GcsTokenSource classes behind resolveGcsCredentials(); the storage layer only needs
// gcs_credentials.h.
#pragma once

#include "io/storage/gcs_credentials.h"
#include "io/storage/jwt_rs256.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace ckpt {

class HttpClient;

/// OAuth2 scope of every token we ask for (read and write objects, no IAM changes).
inline constexpr const char *kGcsReadWriteScope = "https://www.googleapis.com/auth/devstorage.read_write";
/// Google's OAuth2 token endpoint, used when nothing names another.
inline constexpr const char *kGoogleTokenUri = "https://oauth2.googleapis.com/token";
/// Path of the default service account's token on the metadata server.
inline constexpr const char *kMetadataTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

/// A service-account key: the fields of a `"type": "service_account"` JSON file we use.
struct GcsServiceAccountKey {
    std::string clientEmail;
    std::string privateKeyId; ///< the JWT `kid`; empty: no kid
    RsaSigningKey privateKey;
    std::string tokenUri;
};

/// A gcloud user's OAuth2 client and refresh token (`"type": "authorized_user"`).
struct GcsAuthorizedUser {
    std::string clientId;
    std::string clientSecret;
    std::string refreshToken;
    std::string tokenUri;
};

/// No Authorization header; `reason` says why (shown by describe()).
std::shared_ptr<GcsTokenSource> makeAnonymousGcsTokenSource(std::string reason, std::optional<std::string> userProject);

/// JWT-bearer grant (RFC 7523) at key.tokenUri; `origin` is e.g. "from /k.json (GOOGLE_APPLICATION_CREDENTIALS)".
std::shared_ptr<GcsTokenSource> makeServiceAccountTokenSource(GcsServiceAccountKey key, std::string origin,
    std::shared_ptr<HttpClient> http, std::optional<std::string> userProject);

/// Refresh-token grant (RFC 6749 section 6) at user.tokenUri.
std::shared_ptr<GcsTokenSource> makeAuthorizedUserTokenSource(GcsAuthorizedUser user, std::string origin,
    std::shared_ptr<HttpClient> http, std::optional<std::string> userProject);

/// GET http://<host>/computeMetadata/v1/instance/service-accounts/default/token with
/// `Metadata-Flavor: Google`; `host` is "name[:port]".
std::shared_ptr<GcsTokenSource> makeMetadataTokenSource(
    std::string host, std::string origin, std::shared_ptr<HttpClient> http, std::optional<std::string> userProject);

} // namespace ckpt
