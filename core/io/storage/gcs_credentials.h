#pragma once

#include "base/progress.h"
#include "io/storage/env_lookup.h"

#include <memory>
#include <optional>
#include <string>

namespace ckpt {

class HttpClient;

/// Where a GcsTokenSource gets its access tokens.
enum class GcsCredentialKind {
    Anonymous, ///< no Authorization header (public buckets, emulators)
    ServiceAccount, ///< JSON key file: self-signed RS256 JWT exchanged at the token endpoint
    AuthorizedUser, ///< gcloud user credentials: OAuth2 refresh-token grant
    MetadataServer, ///< the GCE / GKE / Cloud Run metadata server's default service account
};

/// Supplies the Authorization header of GCS requests. Token-based sources cache the access token
/// and fetch a new one 5 minutes before it expires (after half its lifetime when it lives less
/// than 10 minutes). Every member is thread-safe; concurrent callers share one fetch.
class GcsTokenSource {
public:
    virtual ~GcsTokenSource() = default;
    GcsTokenSource(const GcsTokenSource &) = delete;
    GcsTokenSource &operator=(const GcsTokenSource &) = delete;
    GcsTokenSource(GcsTokenSource &&) = delete;
    GcsTokenSource &operator=(GcsTokenSource &&) = delete;

    /// "Bearer <token>", or nullopt for anonymous access. May block on a token request (the
    /// HttpClient's timeouts and retries). Throws Exception{Auth} when the endpoint refuses the
    /// credentials (4xx), {Io} when it cannot be reached or fails (5xx, or a metadata host that
    /// is not one), {Corrupt} when it answers without a token, {Cancelled} when `progress` says so.
    /// Messages name the endpoint, the status, the OAuth error and the credentials, never a secret.
    virtual std::optional<std::string> authorizationHeader(const Progress &progress) = 0;

    /// Where the credentials come from, for messages, e.g. "service account ci@p.iam.gserviceaccount.com
    /// from /k/key.json (GOOGLE_APPLICATION_CREDENTIALS)". Never holds a secret.
    virtual std::string describe() const = 0;

    /// Forgets the cached token so the next authorizationHeader() fetches a new one; call it once
    /// after a 401 and retry the request once. Calls before that fetch cause a single fetch.
    virtual void invalidate() = 0;

    virtual GcsCredentialKind kind() const = 0;

    /// Billing project for requester-pays buckets (sent as the `userProject` query parameter):
    /// CKPT_GCS_USER_PROJECT, else nullopt.
    const std::optional<std::string> &userProject() const { return m_userProject; }

protected:
    explicit GcsTokenSource(std::optional<std::string> userProject)
        : m_userProject(std::move(userProject))
    { }

private:
    std::optional<std::string> m_userProject;
};

/// Finds the credentials GCS requests use, in this order (an empty variable counts as unset):
///  1. CKPT_GCS_ANONYMOUS=1 (or "true"): anonymous.
///  2. GOOGLE_APPLICATION_CREDENTIALS: a service_account or authorized_user JSON file.
///  3. STORAGE_EMULATOR_HOST (without 2): anonymous; no token is fetched for an emulator.
///  4. gcloud's application-default credentials: $CLOUDSDK_CONFIG/application_default_credentials.json
///     when CLOUDSDK_CONFIG is set (and only there), else $HOME/.config/gcloud/..., else
///     %APPDATA%/gcloud/... (APPDATA first on Windows); skipped when the file does not exist.
///  5. The metadata server at GCE_METADATA_HOST (default metadata.google.internal), tried only
///     when CKPT_GCS_METADATA=1, GCE_METADATA_HOST is set, or runningOnGoogleCloud(env); never
///     when CKPT_GCS_METADATA=0.
///  6. Anonymous.
/// CKPT_GCS_TOKEN_URI replaces the token endpoint of 2 and 4 (otherwise the file's token_uri,
/// else https://oauth2.googleapis.com/token); endpoints must be https, or http on loopback.
/// Sends no request: tokens are fetched on first use through `http` (null: HttpClient::shared());
/// the metadata server gets a client of its own with a 1 s connect timeout. A file that is named but
/// missing, unparsable or incomplete throws Exception{InvalidArgument} naming the file and the
/// variable that led to it ({Unsupported} for other credential types); messages never quote
/// key material.
std::shared_ptr<GcsTokenSource> resolveGcsCredentials(const EnvLookup &env, std::shared_ptr<HttpClient> http);

/// Credentials from one service_account or authorized_user JSON file; `origin` says what named it
/// (e.g. "GOOGLE_APPLICATION_CREDENTIALS") and appears in describe() and errors. CKPT_GCS_TOKEN_URI
/// and the user project are read from `env`. Errors as resolveGcsCredentials().
std::shared_ptr<GcsTokenSource> gcsCredentialsFromFile(
    const std::string &path, const std::string &origin, const EnvLookup &env, std::shared_ptr<HttpClient> http);

/// Requester-pays billing project: CKPT_GCS_USER_PROJECT, else nullopt.
std::optional<std::string> gcsUserProject(const EnvLookup &env);

/// Cheap, network-free guess that this process runs on Google Cloud: a serverless marker variable
/// (K_SERVICE, CLOUD_RUN_JOB, FUNCTION_TARGET, GAE_SERVICE) or, on Linux, "Google" in the DMI
/// product name or BIOS vendor (/sys/class/dmi/id/product_name, bios_vendor), which GCE and GKE
/// nodes report.
bool runningOnGoogleCloud(const EnvLookup &env);

} // namespace ckpt
