// GCS credential discovery and the OAuth2 token flows, against tests/storage/token_server.py on
// loopback (which verifies RS256 signatures itself). Nothing here reaches Google.
#include "base/error.h"
#include "expect_error.h"
#include "gcs_test_support.h"
#include "io/storage/gcs_credentials.h"
#include "io/storage/http_client.h"
#include "io/storage/jwt_rs256.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

using namespace ckpt;
using namespace gcs_test;

namespace {

const std::string kEmail = "ci@proj.iam.gserviceaccount.com";
const std::string kKeyId = "0123456789abcdef0123456789abcdef01234567";
const std::string kClientId = "1234-test.apps.googleusercontent.com";
const std::string kClientSecret = "d-FL95Q19q7MQmFpd7hHD0Ty";
const std::string kRefreshToken = "1//0gTestRefreshTokenXYZ-abc_123";

void writeFile(const std::string &path, const std::string &text)
{
    QDir().mkpath(QFileInfo(QString::fromStdString(path)).absolutePath());
    std::ofstream(path, std::ios::binary) << text;
}

std::string serviceAccountJson(const std::string &privatePem, const std::string &tokenUri = {})
{
    nlohmann::json j = {{"type", "service_account"}, {"project_id", "proj"}, {"private_key_id", kKeyId},
        {"private_key", privatePem}, {"client_email", kEmail}, {"client_id", "1234567890"}};
    if (!tokenUri.empty())
        j["token_uri"] = tokenUri;
    return j.dump(2);
}

std::string authorizedUserJson(const std::string &secret = kClientSecret, const std::string &refresh = kRefreshToken)
{
    return nlohmann::json{
        {"type", "authorized_user"}, {"client_id", kClientId}, {"client_secret", secret}, {"refresh_token", refresh}}
        .dump(2);
}

/// An environment made of a map, so the real one never leaks into a test.
bool contains(const std::string &haystack, const std::string &needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class TestGcsCredentials : public QObject {
    Q_OBJECT

    KeyPair m_key; ///< the service account's key; the server knows its public half
    KeyPair m_otherKey; ///< a key the server does not know
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_publicKeyFile;

    std::string path(const std::string &name) const
    {
        return m_dir->filePath(QString::fromStdString(name)).toStdString();
    }

    /// A server accepting m_key for kEmail and the kClientId/kClientSecret/kRefreshToken user.
    std::unique_ptr<TokenServer> startServer(QStringList extra = {})
    {
        auto server = std::make_unique<TokenServer>(
            QStringList{QStringLiteral("--public-key"), QString::fromStdString(m_publicKeyFile),
                QStringLiteral("--iss"), QString::fromStdString(kEmail), QStringLiteral("--kid"),
                QString::fromStdString(kKeyId), QStringLiteral("--client-id"), QString::fromStdString(kClientId),
                QStringLiteral("--client-secret"), QString::fromStdString(kClientSecret),
                QStringLiteral("--refresh-token"), QString::fromStdString(kRefreshToken)}
            + extra);
        if (!server->ok())
            qWarning("token_server.py did not start: %s", server->log().c_str());
        return server;
    }

    /// Throws-free check that no secret of this test appears in `text`.
    void expectNoSecrets(const std::string &text)
    {
        QVERIFY2(!contains(text, "eyJ"), text.c_str()); // every JWT (the assertion) starts so
        QVERIFY2(!contains(text, "PRIVATE KEY"), text.c_str());
        for (const KeyPair *k : {&m_key, &m_otherKey})
            for (const std::string &line : pemBodyLines(k->privatePem))
                QVERIFY2(!contains(text, line.substr(0, 24)), text.c_str());
        QVERIFY2(!contains(text, kClientSecret), text.c_str());
        QVERIFY2(!contains(text, kRefreshToken), text.c_str());
        QVERIFY2(!contains(text, "ya29."), text.c_str()); // access tokens
    }

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty())
            QSKIP("python3 is not installed; the loopback token endpoint needs it");
        qputenv("NO_PROXY", "127.0.0.1,localhost");
        qputenv("no_proxy", "127.0.0.1,localhost");
        m_key = generateRsaKey();
        m_otherKey = generateRsaKey();
        QVERIFY(m_key.publicPem != m_otherKey.publicPem);
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_publicKeyFile = path("sa_public.pem");
        writeFile(m_publicKeyFile, m_key.publicPem);
    }

    void base64UrlMatchesRfc4648Vectors()
    {
        QCOMPARE(base64UrlEncode(""), std::string());
        QCOMPARE(base64UrlEncode("f"), std::string("Zg"));
        QCOMPARE(base64UrlEncode("fo"), std::string("Zm8"));
        QCOMPARE(base64UrlEncode("foo"), std::string("Zm9v"));
        QCOMPARE(base64UrlEncode("foob"), std::string("Zm9vYg"));
        QCOMPARE(base64UrlEncode("fooba"), std::string("Zm9vYmE"));
        QCOMPARE(base64UrlEncode("foobar"), std::string("Zm9vYmFy"));
        QCOMPARE(base64UrlEncode("\xfb\xff\xbf"), std::string("-_-_")); // the two url-safe characters
        QCOMPARE(base64UrlEncode("\xfb\xff"), std::string("-_8"));
    }

    void serviceAccountFlowGetsAVerifiedToken()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string file = path("key.json");
        writeFile(file, serviceAccountJson(m_key.privatePem));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(int(source->kind()), int(GcsCredentialKind::ServiceAccount));
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-jwt-bearer-1"));
        QCOMPARE(server->requests("jwt-bearer"), 1);
        QVERIFY(contains(server->log(), "jwt-bearer -> 200"));
        expectNoSecrets(server->log());
        QCOMPARE(
            source->describe(), "service account " + kEmail + " from " + file + " (GOOGLE_APPLICATION_CREDENTIALS)");
    }

    void serviceAccountHonoursTheFilesTokenUri()
    {
        // No CKPT_GCS_TOKEN_URI: the request goes to token_uri, and the server's aud check proves
        // the assertion names it as its audience.
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string file = path("key.json");
        writeFile(file, serviceAccountJson(m_key.privatePem, server->tokenUri()));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-jwt-bearer-1"));
    }

    void serviceAccountWithAnUnknownKeyIsRejected()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string file = path("other.json");
        writeFile(file, serviceAccountJson(m_otherKey.privatePem));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        const Error e = expectError([&] { source->authorizationHeader({}); }, ErrorCategory::Auth);
        const std::string text = e.describe();
        QVERIFY2(contains(text, server->tokenUri() + " refused the token request"), text.c_str());
        QVERIFY2(contains(text, "HTTP 400 (invalid_grant: Invalid JWT Signature.)"), text.c_str());
        QVERIFY2(contains(text, "service account " + kEmail + " from " + file), text.c_str());
        expectNoSecrets(text);
        QCOMPARE(server->requests("jwt-bearer"), 1);
        // A refusal is not cached as success: the next call asks again.
        expectError([&] { source->authorizationHeader({}); }, ErrorCategory::Auth);
        QCOMPARE(server->requests("jwt-bearer"), 2);
    }

    void serviceAccountClaimsAreChecked()
    {
        // The server expects another issuer: the signature is fine, the iss claim is not.
        auto server = std::make_unique<TokenServer>(
            QStringList{QStringLiteral("--public-key"), QString::fromStdString(m_publicKeyFile),
                QStringLiteral("--iss"), QStringLiteral("other@x.iam.gserviceaccount.com")});
        QVERIFY(server->ok());
        const std::string file = path("key.json");
        writeFile(file, serviceAccountJson(m_key.privatePem));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        const Error e = expectError(
            [&] { resolveGcsCredentials(env.lookup(), testHttp())->authorizationHeader({}); }, ErrorCategory::Auth);
        QVERIFY2(contains(e.message, "iss is not the expected service account"), e.message.c_str());
    }

    void authorizedUserFlow_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("refreshToken");
        QTest::addColumn<QString>("expected"); // header, or a part of the error
        QTest::newRow("right secret") << QString::fromStdString(kClientSecret) << QString::fromStdString(kRefreshToken)
                                      << QStringLiteral("Bearer ya29.test-refresh_token-1");
        QTest::newRow("wrong secret") << QStringLiteral("wrong-secret-value-42")
                                      << QString::fromStdString(kRefreshToken)
                                      << QStringLiteral("HTTP 401 (invalid_client: Unauthorized)");
        QTest::newRow("revoked refresh token")
            << QString::fromStdString(kClientSecret) << QStringLiteral("1//revoked-refresh-token-value")
            << QStringLiteral("HTTP 400 (invalid_grant: Bad Request)");
    }

    void authorizedUserFlow()
    {
        QFETCH(QString, secret);
        QFETCH(QString, refreshToken);
        QFETCH(QString, expected);
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string file = path("user.json");
        writeFile(file, authorizedUserJson(secret.toStdString(), refreshToken.toStdString()));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(int(source->kind()), int(GcsCredentialKind::AuthorizedUser));
        if (expected.startsWith(QStringLiteral("Bearer "))) {
            QCOMPARE(source->authorizationHeader({}), std::optional<std::string>(expected.toStdString()));
        } else {
            const Error e = expectError([&] { source->authorizationHeader({}); }, ErrorCategory::Auth);
            const std::string text = e.describe();
            QVERIFY2(contains(text, expected.toStdString()), text.c_str());
            QVERIFY2(contains(text, server->tokenUri()), text.c_str());
            QVERIFY2(contains(text, "authorized user credentials from " + file), text.c_str());
            QVERIFY2(!contains(text, secret.toStdString()), text.c_str());
            QVERIFY2(!contains(text, refreshToken.toStdString()), text.c_str());
            expectNoSecrets(text);
        }
        QCOMPARE(server->requests("refresh_token"), 1);
        expectNoSecrets(server->log());
        QVERIFY(!contains(server->log(), secret.toStdString()));
    }

    void metadataServerFlow()
    {
        auto server = startServer({QStringLiteral("--metadata")});
        QVERIFY(server->ok());
        FakeEnv env{{{"GCE_METADATA_HOST", server->hostPort()}, {"HOME", path("emptyhome")}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(int(source->kind()), int(GcsCredentialKind::MetadataServer));
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-metadata-1"));
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-metadata-1"));
        QCOMPARE(server->requests("metadata"), 1);
        QCOMPARE(source->describe(),
            "default service account of the metadata server " + server->hostPort() + " (GCE_METADATA_HOST)");
    }

    void metadataHostThatIsNoMetadataServerFailsClearly()
    {
        auto server = startServer(); // no --metadata: the path is a plain 404 without the flavor header
        QVERIFY(server->ok());
        FakeEnv env{{{"GCE_METADATA_HOST", "http://" + server->hostPort() + "/"}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        const Error e = expectError([&] { source->authorizationHeader({}); }, ErrorCategory::Io);
        QVERIFY2(contains(e.message, "did not answer as a metadata server (HTTP 404"), e.message.c_str());
        QVERIFY2(contains(e.message, "http://" + server->hostPort() + "/computeMetadata/v1/"), e.message.c_str());
    }

    void metadataIsOnlyTriedWhenAskedOrDetected()
    {
        FakeEnv off{{{"GCE_METADATA_HOST", "127.0.0.1:9"}, {"CKPT_GCS_METADATA", "0"}}};
        QCOMPARE(int(resolveGcsCredentials(off.lookup(), testHttp())->kind()), int(GcsCredentialKind::Anonymous));

        FakeEnv cloudRun{{{"K_SERVICE", "svc"}, {"CKPT_GCS_METADATA", ""}}};
        QVERIFY(runningOnGoogleCloud(cloudRun.lookup()));
        auto detected = resolveGcsCredentials(cloudRun.lookup(), testHttp());
        QCOMPARE(int(detected->kind()), int(GcsCredentialKind::MetadataServer));
        QCOMPARE(detected->describe(),
            std::string("default service account of the metadata server metadata.google.internal (running on Google "
                        "Cloud)"));

        FakeEnv forced{{{"CKPT_GCS_METADATA", "1"}}};
        QCOMPARE(
            int(resolveGcsCredentials(forced.lookup(), testHttp())->kind()), int(GcsCredentialKind::MetadataServer));
    }

    void discoveryOrder_data()
    {
        // Files: gac.json (service account), cloudsdk/ADC (authorized user), home/.config/gcloud/ADC
        // (service account), appdata/gcloud/ADC (authorized user); a "-" value leaves the variable unset.
        QTest::addColumn<QString>("gac");
        QTest::addColumn<QString>("cloudsdk");
        QTest::addColumn<QString>("home");
        QTest::addColumn<QString>("extra"); // NAME=value or empty
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("describedAs");
        const int sa = int(GcsCredentialKind::ServiceAccount), au = int(GcsCredentialKind::AuthorizedUser);
        const int anon = int(GcsCredentialKind::Anonymous), meta = int(GcsCredentialKind::MetadataServer);
        QTest::newRow("GOOGLE_APPLICATION_CREDENTIALS first")
            << "gac.json"
            << "cloudsdk"
            << "home"
            << "" << sa << "gac.json (GOOGLE_APPLICATION_CREDENTIALS)";
        QTest::newRow("CLOUDSDK_CONFIG before HOME")
            << "-"
            << "cloudsdk"
            << "home"
            << "" << au
            << "cloudsdk/application_default_credentials.json (gcloud application-default credentials in "
               "CLOUDSDK_CONFIG)";
        QTest::newRow("HOME") << "-"
                              << "-"
                              << "home"
                              << "" << sa
                              << "home/.config/gcloud/application_default_credentials.json (gcloud "
                                 "application-default credentials under HOME)";
        QTest::newRow("CLOUDSDK_CONFIG without a file hides HOME") << "-"
                                                                   << "emptydir"
                                                                   << "home"
                                                                   << "" << anon << "no credentials found";
        QTest::newRow("ADC before the metadata server") << "-"
                                                        << "-"
                                                        << "home"
                                                        << "GCE_METADATA_HOST=127.0.0.1:9" << sa << "under HOME";
        QTest::newRow("metadata server after a missing ADC")
            << "-"
            << "-"
            << "emptydir"
            << "GCE_METADATA_HOST=127.0.0.1:9" << meta << "(GCE_METADATA_HOST)";
        QTest::newRow("APPDATA without HOME")
            << "-"
            << "-"
            << "-"
            << "APPDATA=appdata" << au << "appdata/gcloud/application_default_credentials.json";
        QTest::newRow("nothing") << "-"
                                 << "-"
                                 << "-"
                                 << "" << anon << "neither HOME nor CLOUDSDK_CONFIG is set";
        QTest::newRow("empty variables count as unset") << ""
                                                        << ""
                                                        << ""
                                                        << "" << anon << "neither HOME nor CLOUDSDK_CONFIG is set";
    }

    void discoveryOrder()
    {
        QFETCH(QString, gac);
        QFETCH(QString, cloudsdk);
        QFETCH(QString, home);
        QFETCH(QString, extra);
        QFETCH(int, kind);
        QFETCH(QString, describedAs);
        writeFile(path("gac.json"), serviceAccountJson(m_key.privatePem));
        writeFile(path("cloudsdk/application_default_credentials.json"), authorizedUserJson());
        writeFile(
            path("home/.config/gcloud/application_default_credentials.json"), serviceAccountJson(m_key.privatePem));
        writeFile(path("appdata/gcloud/application_default_credentials.json"), authorizedUserJson());
        QDir().mkpath(QString::fromStdString(path("emptydir")));
        FakeEnv env{{{"CKPT_GCS_METADATA", "auto"}}};
        auto set = [&](const char *name, const QString &value) {
            if (value != QStringLiteral("-"))
                env.vars[name] = value.isEmpty() ? std::string() : path(value.toStdString());
        };
        set("GOOGLE_APPLICATION_CREDENTIALS", gac);
        set("CLOUDSDK_CONFIG", cloudsdk);
        set("HOME", home);
        if (!extra.isEmpty()) {
            const auto parts = extra.split(QLatin1Char('='));
            const bool isPath = parts[0] == QStringLiteral("APPDATA");
            env.vars[parts[0].toStdString()] = isPath ? path(parts[1].toStdString()) : parts[1].toStdString();
        }
        if (kind == int(GcsCredentialKind::Anonymous) && runningOnGoogleCloud(env.lookup()))
            QSKIP("this machine is on Google Cloud, so the metadata server would be chosen");
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(int(source->kind()), kind);
        QVERIFY2(contains(source->describe(), describedAs.toStdString()), source->describe().c_str());
    }

    void adcFileGivesATokenEndToEnd()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        writeFile(path("home/.config/gcloud/application_default_credentials.json"), authorizedUserJson());
        FakeEnv env{{{"HOME", path("home")}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-refresh_token-1"));
    }

    void anonymousCases_data()
    {
        QTest::addColumn<QStringList>("vars"); // NAME=value; "@" in a value is the temp dir
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("describedAs");
        const int anon = int(GcsCredentialKind::Anonymous), sa = int(GcsCredentialKind::ServiceAccount);
        QTest::newRow("CKPT_GCS_ANONYMOUS beats a named (even missing) file")
            << QStringList{QStringLiteral("CKPT_GCS_ANONYMOUS=1"),
                   QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS=@/missing.json")}
            << anon << "anonymous (CKPT_GCS_ANONYMOUS=1)";
        QTest::newRow("CKPT_GCS_ANONYMOUS=true")
            << QStringList{QStringLiteral("CKPT_GCS_ANONYMOUS=true")} << anon << "anonymous (CKPT_GCS_ANONYMOUS=1)";
        QTest::newRow("CKPT_GCS_ANONYMOUS=0 is not anonymous") << QStringList{QStringLiteral("CKPT_GCS_ANONYMOUS=0"),
            QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS=@/sa.json")}
                                                               << sa << "service account";
        QTest::newRow("emulator without credentials ignores ADC")
            << QStringList{QStringLiteral("STORAGE_EMULATOR_HOST=localhost:4443"), QStringLiteral("HOME=@/home")}
            << anon << "anonymous (STORAGE_EMULATOR_HOST is set and GOOGLE_APPLICATION_CREDENTIALS is not)";
        QTest::newRow("emulator with credentials uses them")
            << QStringList{QStringLiteral("STORAGE_EMULATOR_HOST=localhost:4443"),
                   QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS=@/sa.json")}
            << sa << "service account";
        QTest::newRow("nothing found, metadata off")
            << QStringList{QStringLiteral("HOME=@/nohome"), QStringLiteral("CKPT_GCS_METADATA=0")} << anon
            << "no credentials found: GOOGLE_APPLICATION_CREDENTIALS is unset, no ";
    }

    void anonymousCases()
    {
        QFETCH(QStringList, vars);
        QFETCH(int, kind);
        QFETCH(QString, describedAs);
        writeFile(path("sa.json"), serviceAccountJson(m_key.privatePem));
        writeFile(path("home/.config/gcloud/application_default_credentials.json"), authorizedUserJson());
        FakeEnv env;
        for (const QString &v : vars) {
            const qsizetype eq = v.indexOf(QLatin1Char('='));
            env.vars[v.left(eq).toStdString()] = v.mid(eq + 1).replace(QLatin1Char('@'), m_dir->path()).toStdString();
        }
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(int(source->kind()), kind);
        QVERIFY2(contains(source->describe(), describedAs.toStdString()), source->describe().c_str());
        if (kind == int(GcsCredentialKind::Anonymous)) {
            QCOMPARE(source->authorizationHeader({}), std::optional<std::string>());
            source->invalidate(); // harmless
            QCOMPARE(source->authorizationHeader({}), std::optional<std::string>());
        }
    }

    void credentialsFileErrors_data()
    {
        QTest::addColumn<QString>("content"); // "<missing>": no file; "<dir>": a directory
        QTest::addColumn<int>("category");
        QTest::addColumn<QString>("says");
        QTest::addColumn<QString>("keyPath");
        const int invalid = int(ErrorCategory::InvalidArgument);
        QTest::newRow("missing") << "<missing>" << invalid << "does not exist"
                                 << "";
        QTest::newRow("directory") << "<dir>" << invalid << "is a directory"
                                   << "";
        QTest::newRow("not JSON, with key material")
            << "{\"type\": \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nSECRETSECRET"
            << invalid << "is not valid JSON"
            << "";
        QTest::newRow("array") << "[1, 2]" << invalid << "is not a JSON object"
                               << "";
        QTest::newRow("no type") << "{}" << invalid << "has no \"type\" field"
                                 << "type";
        QTest::newRow("no client_email") << "{\"type\": \"service_account\", \"private_key\": \"SECRETSECRET\"}"
                                         << invalid << "has no \"client_email\" field"
                                         << "client_email";
        QTest::newRow("private_key is not PEM")
            << "{\"type\": \"service_account\", \"client_email\": \"a@b\", \"private_key\": \"SECRETSECRET\"}"
            << invalid << "\"private_key\" of GCS credentials file"
            << "";
        QTest::newRow("client_secret not a string")
            << "{\"type\": \"authorized_user\", \"client_id\": \"c\", \"client_secret\": 5, \"refresh_token\": \"r\"}"
            << invalid << "\"client_secret\" is not a string"
            << "client_secret";
        QTest::newRow("no refresh_token")
            << "{\"type\": \"authorized_user\", \"client_id\": \"c\", \"client_secret\": \"SECRETSECRET\"}" << invalid
            << "has no \"refresh_token\" field"
            << "refresh_token";
        QTest::newRow("other credential type")
            << "{\"type\": \"external_account\", \"audience\": \"x\"}" << int(ErrorCategory::Unsupported)
            << "type \"external_account\"; only service_account and authorized_user are supported"
            << "type";
    }

    void credentialsFileErrors()
    {
        QFETCH(QString, content);
        QFETCH(int, category);
        QFETCH(QString, says);
        QFETCH(QString, keyPath);
        const std::string file = path("creds.json");
        if (content == QStringLiteral("<dir>"))
            QDir().mkpath(QString::fromStdString(file));
        else if (content != QStringLiteral("<missing>"))
            writeFile(file, content.toStdString());
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}}};
        const Error e = expectError([&] { resolveGcsCredentials(env.lookup(), testHttp()); }, ErrorCategory(category));
        const std::string text = e.describe();
        QVERIFY2(contains(text, says.toStdString()), text.c_str());
        QVERIFY2(contains(e.message, "GCS credentials file " + file + " (from GOOGLE_APPLICATION_CREDENTIALS)"),
            text.c_str());
        QCOMPARE(e.file, file);
        QCOMPARE(e.keyPath, keyPath.toStdString());
        QVERIFY2(!contains(text, "SECRET"), text.c_str());
        QVERIFY2(!contains(text, "BEGIN"), text.c_str());
        if (says == QStringLiteral("is not valid JSON"))
            QVERIFY(e.byteOffset.has_value() && *e.byteOffset > 40);
    }

    void brokenAdcFileNamesItsOrigin()
    {
        writeFile(path("cfg/application_default_credentials.json"), "not json");
        FakeEnv env{{{"CLOUDSDK_CONFIG", path("cfg")}}};
        const Error e
            = expectError([&] { resolveGcsCredentials(env.lookup(), testHttp()); }, ErrorCategory::InvalidArgument);
        QVERIFY2(
            contains(e.message, "(from gcloud application-default credentials in CLOUDSDK_CONFIG) is not valid JSON"),
            e.message.c_str());
        QCOMPARE(e.file, path("cfg/application_default_credentials.json"));
    }

    void tokenEndpointMustBeHttpsOffLoopback_data()
    {
        QTest::addColumn<QString>("override");
        QTest::addColumn<QString>("fileTokenUri");
        QTest::addColumn<QString>("error"); // empty: accepted
        QTest::newRow("override over plain http") << "http://example.com/token"
                                                  << ""
                                                  << "(from CKPT_GCS_TOKEN_URI)";
        QTest::newRow("file over plain http") << ""
                                              << "http://10.0.0.1/token"
                                              << "(from token_uri of ";
        QTest::newRow("loopback name that only starts like one") << "http://localhost.evil.example/token"
                                                                 << ""
                                                                 << "must be an https URL";
        QTest::newRow("host that only starts like 127.") << "http://127.0.0.1.evil.example/token"
                                                         << ""
                                                         << "must be an https URL";
        QTest::newRow("loopback as user info") << "http://[::1]@evil.example/token"
                                               << ""
                                               << "must be an https URL";
        QTest::newRow("https") << "https://oauth2.example.com/token"
                               << ""
                               << "";
        QTest::newRow("loopback http") << "http://127.0.0.1:1/token"
                                       << ""
                                       << "";
        QTest::newRow("IPv6 loopback http") << ""
                                            << "http://[::1]:8080/token"
                                            << "";
    }

    void tokenEndpointMustBeHttpsOffLoopback()
    {
        QFETCH(QString, override);
        QFETCH(QString, fileTokenUri);
        QFETCH(QString, error);
        const std::string file = path("key.json");
        writeFile(file, serviceAccountJson(m_key.privatePem, fileTokenUri.toStdString()));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", override.toStdString()}}};
        if (error.isEmpty()) {
            QCOMPARE(
                int(resolveGcsCredentials(env.lookup(), testHttp())->kind()), int(GcsCredentialKind::ServiceAccount));
            return;
        }
        const Error e
            = expectError([&] { resolveGcsCredentials(env.lookup(), testHttp()); }, ErrorCategory::InvalidArgument);
        QVERIFY2(contains(e.message, error.toStdString()), e.message.c_str());
        QVERIFY2(contains(e.message, "must be an https URL"), e.message.c_str());
    }

    void tokenIsCachedAndInvalidateRefreshesOnce()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string file = path("key.json");
        writeFile(file, serviceAccountJson(m_key.privatePem));
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", file}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        const auto first = source->authorizationHeader({});
        QCOMPARE(source->authorizationHeader({}), first);
        QCOMPARE(server->requests(), 1);
        source->invalidate();
        source->invalidate(); // several 401s before the next fetch: still one refresh
        const auto second = source->authorizationHeader({});
        QCOMPARE(second, std::optional<std::string>("Bearer ya29.test-jwt-bearer-2"));
        QVERIFY(second != first);
        QCOMPARE(source->authorizationHeader({}), second);
        QCOMPARE(server->requests(), 2);
    }

    void concurrentCallersShareOneFetch()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        writeFile(path("user.json"), authorizedUserJson());
        FakeEnv env{
            {{"GOOGLE_APPLICATION_CREDENTIALS", path("user.json")}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        std::vector<std::optional<std::string>> headers(8);
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (size_t i = 0; i < headers.size(); ++i)
            threads.emplace_back([&, i] {
                try {
                    headers[i] = source->authorizationHeader({});
                } catch (...) {
                    ++failures;
                }
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(failures.load(), 0);
        for (const auto &h : headers)
            QCOMPARE(h, std::optional<std::string>("Bearer ya29.test-refresh_token-1"));
        QCOMPARE(server->requests(), 1);
    }

    void shortLivedTokenIsRefreshedBeforeItExpires()
    {
        // expires_in 6 s: refreshed after half its lifetime (3 s), not at expiry.
        auto server = startServer({QStringLiteral("--expires-in"), QStringLiteral("6")});
        QVERIFY(server->ok());
        writeFile(path("user.json"), authorizedUserJson());
        FakeEnv env{
            {{"GOOGLE_APPLICATION_CREDENTIALS", path("user.json")}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-refresh_token-1"));
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-refresh_token-1"));
        std::this_thread::sleep_for(std::chrono::milliseconds(3200));
        QCOMPARE(source->authorizationHeader({}), std::optional<std::string>("Bearer ya29.test-refresh_token-2"));
        QCOMPARE(server->requests(), 2);
    }

    void cancelledCallerSendsNothing()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        writeFile(path("user.json"), authorizedUserJson());
        FakeEnv env{
            {{"GOOGLE_APPLICATION_CREDENTIALS", path("user.json")}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
        auto source = resolveGcsCredentials(env.lookup(), testHttp());
        Progress cancelled;
        cancelled.isCancelled = [] { return true; };
        expectError([&] { source->authorizationHeader(cancelled); }, ErrorCategory::Cancelled);
        QCOMPARE(server->requests(), 0);
    }

    void unreachableEndpointIsAnIoErrorNamingIt()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        const std::string deadUri = server->tokenUri();
        server.reset(); // nothing listens on that port any more
        writeFile(path("user.json"), authorizedUserJson());
        FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", path("user.json")}, {"CKPT_GCS_TOKEN_URI", deadUri}}};
        const Error e = expectError(
            [&] { resolveGcsCredentials(env.lookup(), testHttp())->authorizationHeader({}); }, ErrorCategory::Io);
        QVERIFY2(
            contains(e.message, "cannot reach " + deadUri + " for authorized user credentials"), e.message.c_str());
        expectNoSecrets(e.describe());
    }

    void describeNeverContainsSecrets()
    {
        auto server = startServer();
        QVERIFY(server->ok());
        writeFile(path("key.json"), serviceAccountJson(m_key.privatePem));
        writeFile(path("user.json"), authorizedUserJson());
        for (const char *file : {"key.json", "user.json"}) {
            FakeEnv env{{{"GOOGLE_APPLICATION_CREDENTIALS", path(file)}, {"CKPT_GCS_TOKEN_URI", server->tokenUri()}}};
            auto source = resolveGcsCredentials(env.lookup(), testHttp());
            QVERIFY(source->authorizationHeader({}).has_value()); // a token is now cached
            const std::string d = source->describe();
            QVERIFY2(contains(d, path(file)), d.c_str());
            expectNoSecrets(d);
            QVERIFY2(!contains(d, kKeyId), d.c_str());
        }
    }

    void userProject_data()
    {
        QTest::addColumn<QString>("explicitProject");
        QTest::addColumn<QString>("cloudProject");
        QTest::addColumn<QString>("expected"); // empty: none
        QTest::newRow("none") << ""
                              << ""
                              << "";
        QTest::newRow("CKPT_GCS_USER_PROJECT") << "billing-a"
                                               << ""
                                               << "billing-a";
        // GOOGLE_CLOUD_PROJECT is not a billing project: sending it as userProject on an ordinary
        // bucket needs serviceusage permission there and can turn working reads into 403s.
        QTest::newRow("GOOGLE_CLOUD_PROJECT is not used") << ""
                                                          << "proj-b"
                                                          << "";
        QTest::newRow("CKPT_GCS_USER_PROJECT wins") << "billing-a"
                                                    << "proj-b"
                                                    << "billing-a";
    }

    void userProject()
    {
        QFETCH(QString, explicitProject);
        QFETCH(QString, cloudProject);
        QFETCH(QString, expected);
        FakeEnv env{{{"CKPT_GCS_ANONYMOUS", "1"}, {"CKPT_GCS_USER_PROJECT", explicitProject.toStdString()},
            {"GOOGLE_CLOUD_PROJECT", cloudProject.toStdString()}}};
        const std::optional<std::string> want
            = expected.isEmpty() ? std::nullopt : std::optional<std::string>(expected.toStdString());
        QCOMPARE(gcsUserProject(env.lookup()), want);
        QCOMPARE(resolveGcsCredentials(env.lookup(), testHttp())->userProject(), want);
    }
};

QTEST_APPLESS_MAIN(TestGcsCredentials)

#include "tst_gcs_credentials.moc"
