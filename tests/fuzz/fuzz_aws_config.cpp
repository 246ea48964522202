// Fuzz target for the AWS shared config and credentials parser (core/io/storage/aws_credentials).
// The input becomes both the config and the credentials file of a scratch HOME, followed by a
// `[default]` section holding a marker secret; settings are resolved for the default profile and
// for profile "dev". Bad input must throw ckpt::Exception{InvalidArgument} or {Unsupported}, never
// crash or hang.
//
// Properties (a violation aborts with "PROPERTY FAILED"):
//  1. No error message and no credentials source contains the marker secret: messages name files
//     and lines, never values.
//  2. Accepted settings have a region, and an endpoint without a trailing '/'.
#include "base/error.h"
#include "fuzz_property.h"
#include "io/storage/aws_credentials.h"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace {

using ckpt::fuzz::require;

constexpr const char *kMarker = "MARKERSECRETdoNotPrint0123456789";

void resolve(const std::map<std::string, std::string> &vars)
{
    const ckpt::EnvLookup env = [&vars](const std::string &name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    try {
        const ckpt::S3Settings s = ckpt::resolveS3Settings(env);
        require(s.credentials.source.find(kMarker) == std::string::npos, "the source never holds the secret");
        require(!s.region.empty(), "a region is always set");
        require(s.endpoint.empty() || s.endpoint.back() != '/', "the endpoint has no trailing '/'");
    } catch (const ckpt::Exception &e) {
        const ckpt::ErrorCategory c = e.error().category;
        require(c == ckpt::ErrorCategory::InvalidArgument || c == ckpt::ErrorCategory::Unsupported,
            "bad configuration fails as invalid_argument or unsupported: " + e.error().describe());
        require(e.error().describe().find(kMarker) == std::string::npos, "errors never hold the secret");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string dir = ckpt::fuzz::ScratchDir::get().fresh();
    const std::string path = dir + "/aws.ini";
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char *>(data), std::streamsize(size));
        out << "\n[default]\naws_secret_access_key = " << kMarker << "\n";
    }
    std::map<std::string, std::string> vars{
        {"HOME", dir}, {"AWS_CONFIG_FILE", path}, {"AWS_SHARED_CREDENTIALS_FILE", path}};
    resolve(vars);
    vars["AWS_PROFILE"] = "dev";
    resolve(vars);
    return 0;
}
