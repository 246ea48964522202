// Test support for the GCS credential tests: RSA keys made with OpenSSL, a fake environment, and
// tests/storage/token_server.py run as a child process. Header-only so it is not linked into every
// test of the folder.
#pragma once

#include "io/storage/env_lookup.h"
#include "io/storage/http_client.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QtGlobal>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace gcs_test {

using namespace ckpt;

struct KeyPair {
    std::string privatePem; ///< PKCS#8, as in service-account files
    std::string publicPem; ///< SubjectPublicKeyInfo, for token_server.py
};

inline std::string bioText(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, size_t(size));
}

/// A fresh 2048-bit RSA key pair.
inline KeyPair generateRsaKey()
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
    EVP_PKEY *key = nullptr;
    const bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1
        && EVP_PKEY_keygen(ctx, &key) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok)
        qFatal("RSA key generation failed");
    KeyPair pair;
    BIO *priv = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    pair.privatePem = bioText(priv);
    BIO_free(priv);
    BIO *pub = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(pub, key);
    pair.publicPem = bioText(pub);
    BIO_free(pub);
    EVP_PKEY_free(key);
    return pair;
}

/// Lines of a PEM's base64 body: none of them may appear in any message.
inline std::vector<std::string> pemBodyLines(const std::string &pem)
{
    std::vector<std::string> lines;
    std::istringstream in(pem);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && !line.starts_with("-----"))
            lines.push_back(line);
    return lines;
}

struct FakeEnv {
    std::map<std::string, std::string> vars;
    EnvLookup lookup() const
    {
        return [vars = vars](const std::string &name) -> std::optional<std::string> {
            auto it = vars.find(name);
            return it == vars.end() ? std::nullopt : std::optional(it->second);
        };
    }
};

/// A client without retries, so request counts stay exact.
inline std::shared_ptr<HttpClient> testHttp()
{
    HttpPolicy policy;
    policy.connectTimeout = std::chrono::milliseconds(2000);
    policy.maxAttempts = 1;
    return std::make_shared<HttpClient>(policy);
}

/// token_server.py on 127.0.0.1, stopped (stdin closed, then killed) when destroyed.
class TokenServer {
public:
    explicit TokenServer(QStringList args)
    {
        const QString script = QStringLiteral(CKPT_SOURCE_DIR "/tests/storage/token_server.py");
        m_logFile = m_logDir.filePath(QStringLiteral("token_server.log"));
        m_process.setStandardErrorFile(m_logFile);
        m_process.setProgram(QStandardPaths::findExecutable(QStringLiteral("python3")));
        m_process.setArguments(QStringList{script} + args);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return;
        while (!m_process.canReadLine() && m_process.waitForReadyRead(20000)) { }
        m_port = m_process.readLine().trimmed().toInt();
    }
    ~TokenServer()
    {
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(3000)) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }
    bool ok() const { return m_port > 0; }
    std::string hostPort() const { return "127.0.0.1:" + std::to_string(m_port); }
    std::string tokenUri() const { return "http://" + hostPort() + "/token"; }
    /// Token requests served so far, per grant ("jwt-bearer", "refresh_token", "metadata").
    int requests(const std::string &grant = {}) const
    {
        HttpRequest r;
        r.url = "http://" + hostPort() + "/stats";
        const nlohmann::json j = nlohmann::json::parse(testHttp()->send(r).body);
        return grant.empty() ? j["requests"].get<int>() : j["grants"].value(grant, 0);
    }
    /// What the server logged to stderr so far.
    std::string log() const
    {
        QFile f(m_logFile);
        return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
    }

private:
    QTemporaryDir m_logDir;
    QString m_logFile;
    QProcess m_process;
    int m_port = 0;
};

} // namespace gcs_test
