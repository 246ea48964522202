#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace ckpt {

/// base64url (RFC 4648 section 5) of `bytes`, without '=' padding, as JWTs require.
std::string base64UrlEncode(std::string_view bytes);

/// An RSA private key that makes RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518
/// section 3.3) through OpenSSL EVP. Cheap to copy (the key is shared); sign() is thread-safe.
class RsaSigningKey {
public:
    /// Parses a PEM private key (PKCS#8 "PRIVATE KEY", as in service-account files, or PKCS#1
    /// "RSA PRIVATE KEY"). Throws Exception{InvalidArgument} "<what> is not a PEM RSA private key"
    /// with `file` when it is anything else; the message never quotes the PEM.
    static RsaSigningKey fromPem(std::string_view pem, const std::string &what, const std::string &file);

    /// The raw RS256 signature of `data` (as many bytes as the modulus). Throws
    /// Exception{InvalidArgument} if OpenSSL refuses.
    std::string sign(std::string_view data) const;

    /// Modulus size in bits (2048 for Google-issued keys).
    int bits() const;

private:
    struct Impl;
    explicit RsaSigningKey(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

/// A compact JWS (RFC 7515): base64url(header) "." base64url(claims) "." base64url(RS256 signature),
/// with `header` and `claims` serialised as compact JSON.
std::string makeRs256Jwt(const nlohmann::json &header, const nlohmann::json &claims, const RsaSigningKey &key);

} // namespace ckpt
