#include "io/storage/gcs_credentials.h"

#include "base/error.h"
#include "io/storage/gcs_token_sources.h"
#include "io/storage/http_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ckpt {

namespace {

namespace fs = std::filesystem;

/// Credentials files are a few KiB; anything far larger is not one (and is not read whole).
constexpr uint64_t kMaxCredentialsFileBytes = 1 << 20;
constexpr const char *kAdcFileName = "application_default_credentials.json";
constexpr const char *kDefaultMetadataHost = "metadata.google.internal";
/// The metadata server is link-local: it answers in milliseconds or not at all.
constexpr std::chrono::milliseconds kMetadataConnectTimeout{1000};
constexpr int kMetadataMaxAttempts = 3;

/// The variable's value; nullopt when it is unset or empty.
std::optional<std::string> nonEmpty(const EnvLookup &env, const std::string &name)
{
    std::optional<std::string> value = env(name);
    if (!value || value->empty())
        return std::nullopt;
    return value;
}

bool isTrue(const std::optional<std::string> &value)
{
    return value && (*value == "1" || *value == "true" || *value == "TRUE" || *value == "yes");
}

/// How messages name a credentials file: "/k.json (from GOOGLE_APPLICATION_CREDENTIALS)".
std::string fileLabel(const std::string &path, const std::string &origin)
{
    return "GCS credentials file " + path + " (from " + origin + ")";
}

std::string readCredentialsFile(const std::string &path, const std::string &origin)
{
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status))
        fail(ErrorCategory::InvalidArgument,
            fileLabel(path, origin)
                + (ec && ec != std::errc::no_such_file_or_directory ? " cannot be read: " + ec.message()
                                                                    : std::string(" does not exist")),
            path);
    if (fs::is_directory(status))
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " is a directory, not a JSON file", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const std::string why = std::strerror(errno); // NOLINT(concurrency-mt-unsafe): read at once, on this thread
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " cannot be read: " + why, path);
    }
    std::string text(kMaxCredentialsFileBytes + 1, '\0');
    in.read(text.data(), std::streamsize(text.size()));
    text.resize(size_t(in.gcount()));
    if (text.size() > kMaxCredentialsFileBytes)
        fail(ErrorCategory::InvalidArgument,
            fileLabel(path, origin) + " is larger than 1 MiB, so not a credentials file", path);
    return text;
}

/// The string member `name`; "" when absent and not `required`. Messages name the field, never its value.
std::string stringField(
    const nlohmann::json &j, const char *name, bool required, const std::string &path, const std::string &origin)
{
    const auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (!required)
            return {};
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " has no \"" + name + "\" field", path,
            std::nullopt, name);
    }
    if (!it->is_string())
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + ": \"" + name + "\" is not a string", path,
            std::nullopt, name);
    std::string value = it->get<std::string>();
    if (required && value.empty())
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + ": \"" + name + "\" is empty", path,
            std::nullopt, name);
    return value;
}

/// Throws unless `uri` is https, or http to a loopback host (the test token endpoints): secrets
/// are never sent in clear text over a network.
void checkTokenUri(const std::string &uri, const std::string &source, const std::string &path)
{
    std::string lower = uri;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (lower.starts_with("https://") && lower.size() > 8)
        return;
    if (lower.starts_with("http://")) {
        const std::string authority = lower.substr(7, lower.find_first_of("/?#", 7) - 7);
        const std::string host = authority.starts_with("[") ? authority.substr(0, authority.find(']') + 1)
                                                            : authority.substr(0, authority.find(':'));
        const bool ipv4Loopback
            = host.starts_with("127.") && host.find_first_not_of("0123456789.") == std::string::npos;
        if (authority.find('@') == std::string::npos && (host == "localhost" || host == "[::1]" || ipv4Loopback))
            return;
    }
    fail(ErrorCategory::InvalidArgument,
        "GCS token endpoint " + uri + " (from " + source + ") must be an https URL (http only on loopback)", path);
}

/// CKPT_GCS_TOKEN_URI, else the file's token_uri, else Google's endpoint; checked by checkTokenUri().
std::string tokenUriFor(
    const nlohmann::json &j, const EnvLookup &env, const std::string &path, const std::string &origin)
{
    std::string uri;
    std::string source;
    if (auto overridden = nonEmpty(env, "CKPT_GCS_TOKEN_URI")) {
        uri = *overridden;
        source = "CKPT_GCS_TOKEN_URI";
    } else if (std::string fromFile = stringField(j, "token_uri", false, path, origin); !fromFile.empty()) {
        uri = fromFile;
        source = "token_uri of " + path;
    } else {
        return kGoogleTokenUri;
    }
    checkTokenUri(uri, source, path);
    return uri;
}

struct AdcLocation {
    std::string path;
    std::string origin;
};

/// Where gcloud keeps application-default credentials (whether or not the file exists).
std::optional<AdcLocation> adcLocation(const EnvLookup &env)
{
    if (auto dir = nonEmpty(env, "CLOUDSDK_CONFIG"))
        return AdcLocation{
            (fs::path(*dir) / kAdcFileName).string(), "gcloud application-default credentials in CLOUDSDK_CONFIG"};
#ifdef _WIN32
    const char *first = "APPDATA";
    const char *second = "HOME";
#else
    const char *first = "HOME";
    const char *second = "APPDATA";
#endif
    for (const char *name : {first, second}) {
        if (auto dir = nonEmpty(env, name)) {
            const fs::path base
                = std::string(name) == "HOME" ? fs::path(*dir) / ".config" / "gcloud" : fs::path(*dir) / "gcloud";
            return AdcLocation{
                (base / kAdcFileName).string(), std::string("gcloud application-default credentials under ") + name};
        }
    }
    return std::nullopt;
}

/// First line of a small sysfs file, or "" if it cannot be read.
std::string firstLine(const char *path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

std::optional<std::string> gcsUserProject(const EnvLookup &env)
{
    // Only an explicit choice: GOOGLE_CLOUD_PROJECT names the caller's project, and billing reads
    // of an ordinary bucket to it needs serviceusage permission there (403s where reads worked).
    return nonEmpty(env, "CKPT_GCS_USER_PROJECT");
}

bool runningOnGoogleCloud(const EnvLookup &env)
{
    for (const char *marker : {"K_SERVICE", "CLOUD_RUN_JOB", "FUNCTION_TARGET", "GAE_SERVICE"})
        if (nonEmpty(env, marker))
            return true;
#ifdef __linux__
    static constexpr std::array<const char *, 2> kDmi
        = {"/sys/class/dmi/id/product_name", "/sys/class/dmi/id/bios_vendor"};
    return std::any_of(
        kDmi.begin(), kDmi.end(), [](const char *path) { return firstLine(path).find("Google") != std::string::npos; });
#else
    return false;
#endif
}

std::shared_ptr<GcsTokenSource> gcsCredentialsFromFile(
    const std::string &path, const std::string &origin, const EnvLookup &env, std::shared_ptr<HttpClient> http)
{
    const std::string text = readCredentialsFile(path, origin);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error &e) {
        // e.what() quotes the text around the error, which may be key material: only the offset goes out.
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " is not valid JSON", path,
            e.byte > 0 ? e.byte - 1 : 0);
    } catch (const nlohmann::json::exception &) {
        // out_of_range: a number no JSON type holds (1e999).
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " is not valid JSON (a number out of range)",
            path);
    }
    if (!j.is_object())
        fail(ErrorCategory::InvalidArgument, fileLabel(path, origin) + " is not a JSON object", path);
    if (!http)
        http = HttpClient::shared();
    const std::string type = stringField(j, "type", true, path, origin);
    const std::string describedOrigin = "from " + path + " (" + origin + ")";
    if (type == "service_account") {
        GcsServiceAccountKey key{stringField(j, "client_email", true, path, origin),
            stringField(j, "private_key_id", false, path, origin),
            RsaSigningKey::fromPem(stringField(j, "private_key", true, path, origin),
                "\"private_key\" of " + fileLabel(path, origin), path),
            tokenUriFor(j, env, path, origin)};
        return makeServiceAccountTokenSource(std::move(key), describedOrigin, std::move(http), gcsUserProject(env));
    }
    if (type == "authorized_user") {
        GcsAuthorizedUser user{stringField(j, "client_id", true, path, origin),
            stringField(j, "client_secret", true, path, origin), stringField(j, "refresh_token", true, path, origin),
            tokenUriFor(j, env, path, origin)};
        return makeAuthorizedUserTokenSource(std::move(user), describedOrigin, std::move(http), gcsUserProject(env));
    }
    fail(ErrorCategory::Unsupported,
        fileLabel(path, origin) + " has credentials of type \"" + type.substr(0, 40)
            + "\"; only service_account and authorized_user are supported",
        path, std::nullopt, "type");
}

std::shared_ptr<GcsTokenSource> resolveGcsCredentials(const EnvLookup &env, std::shared_ptr<HttpClient> http)
{
    std::optional<std::string> userProject = gcsUserProject(env);
    if (isTrue(env("CKPT_GCS_ANONYMOUS")))
        return makeAnonymousGcsTokenSource("CKPT_GCS_ANONYMOUS=1", userProject);
    if (auto file = nonEmpty(env, "GOOGLE_APPLICATION_CREDENTIALS"))
        return gcsCredentialsFromFile(*file, "GOOGLE_APPLICATION_CREDENTIALS", env, std::move(http));
    if (nonEmpty(env, "STORAGE_EMULATOR_HOST"))
        return makeAnonymousGcsTokenSource(
            "STORAGE_EMULATOR_HOST is set and GOOGLE_APPLICATION_CREDENTIALS is not", userProject);

    const std::optional<AdcLocation> adc = adcLocation(env);
    std::error_code ec;
    if (adc && fs::exists(adc->path, ec))
        return gcsCredentialsFromFile(adc->path, adc->origin, env, std::move(http));

    const std::optional<std::string> metadataFlag = env("CKPT_GCS_METADATA");
    std::optional<std::string> host = nonEmpty(env, "GCE_METADATA_HOST");
    if (metadataFlag != std::optional<std::string>("0")) {
        std::string why;
        if (isTrue(metadataFlag))
            why = "CKPT_GCS_METADATA=1";
        else if (host)
            why = "GCE_METADATA_HOST";
        else if (runningOnGoogleCloud(env))
            why = "running on Google Cloud";
        if (!why.empty()) {
            std::string name = host.value_or(kDefaultMetadataHost);
            if (name.starts_with("http://"))
                name.erase(0, 7);
            while (name.ends_with("/"))
                name.pop_back();
            // A client of its own: a short connect timeout and few attempts, whatever `http` uses.
            HttpPolicy policy = http ? http->policy() : HttpPolicy{};
            policy.connectTimeout = std::min(policy.connectTimeout, kMetadataConnectTimeout);
            policy.maxAttempts = std::min(policy.maxAttempts, kMetadataMaxAttempts);
            return makeMetadataTokenSource(name, why, std::make_shared<HttpClient>(policy), userProject);
        }
    }
    return makeAnonymousGcsTokenSource("no credentials found: GOOGLE_APPLICATION_CREDENTIALS is unset, "
            + (adc ? "no " + adc->path : std::string("neither HOME nor CLOUDSDK_CONFIG is set"))
            + (metadataFlag == std::optional<std::string>("0") ? ", CKPT_GCS_METADATA=0" : ", not on Google Cloud"),
        userProject);
}

} // namespace ckpt
