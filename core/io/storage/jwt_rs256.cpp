#include "io/storage/jwt_rs256.h"

#include "base/error.h"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <climits>
#include <cstdint>

namespace ckpt {

namespace {

/// The reason of the oldest queued OpenSSL error (never key material), and an empty queue after.
std::string takeOpenSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return {};
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    return text.data();
}

} // namespace

std::string base64UrlEncode(std::string_view bytes)
{
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8
            | uint32_t(uint8_t(bytes[i + 2]));
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (rest == 2)
            v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        if (rest == 2)
            out += alphabet[(v >> 6) & 63];
    }
    return out;
}

struct RsaSigningKey::Impl {
    EVP_PKEY *key = nullptr;
    Impl() = default;
    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;
    Impl(Impl &&) = delete;
    Impl &operator=(Impl &&) = delete;
    ~Impl() { EVP_PKEY_free(key); }
};

RsaSigningKey::RsaSigningKey(std::shared_ptr<Impl> impl)
    : m_impl(std::move(impl))
{ }

RsaSigningKey RsaSigningKey::fromPem(std::string_view pem, const std::string &what, const std::string &file)
{
    if (pem.size() > size_t(INT_MAX))
        fail(ErrorCategory::InvalidArgument, what + " is not a PEM RSA private key (too large)", file);
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    if (!bio)
        fail(ErrorCategory::InvalidArgument, what + ": out of memory reading the private key", file);
    auto impl = std::make_shared<Impl>();
    // A null password callback with an empty password: an encrypted key fails instead of prompting.
    impl->key = PEM_read_bio_PrivateKey(
        bio, nullptr, nullptr, const_cast<char *>("")); // NOLINT(cppcoreguidelines-pro-type-const-cast): OpenSSL takes
                                                        // a non-const empty passphrase it never writes
    BIO_free(bio);
    if (!impl->key) {
        const std::string reason = takeOpenSslError();
        fail(ErrorCategory::InvalidArgument,
            what + " is not a PEM RSA private key" + (reason.empty() ? std::string() : " (" + reason + ")"), file);
    }
    if (EVP_PKEY_base_id(impl->key) != EVP_PKEY_RSA)
        fail(ErrorCategory::InvalidArgument, what + " is not an RSA key; RS256 needs one", file);
    return RsaSigningKey(std::move(impl));
}

std::string RsaSigningKey::sign(std::string_view data) const
{
    ERR_clear_error();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    std::string signature;
    bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, m_impl->key) == 1;
    size_t length = 0;
    if (ok)
        ok = EVP_DigestSignUpdate(ctx, data.data(), data.size()) == 1
            && EVP_DigestSignFinal(ctx, nullptr, &length) == 1;
    if (ok) {
        signature.resize(length);
        ok = EVP_DigestSignFinal(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length) == 1;
        signature.resize(length);
    }
    EVP_MD_CTX_free(ctx);
    if (!ok)
        fail(ErrorCategory::InvalidArgument, "RS256 signing failed: " + takeOpenSslError());
    return signature;
}

int RsaSigningKey::bits() const
{
    return EVP_PKEY_bits(m_impl->key);
}

std::string makeRs256Jwt(const nlohmann::json &header, const nlohmann::json &claims, const RsaSigningKey &key)
{
    std::string signingInput = base64UrlEncode(header.dump()) + "." + base64UrlEncode(claims.dump());
    const std::string signature = key.sign(signingInput);
    return signingInput + "." + base64UrlEncode(signature);
}

} // namespace ckpt
