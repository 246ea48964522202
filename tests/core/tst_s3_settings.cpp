// Resolution of AWS credentials, region, endpoint and addressing style; S3 request URLs.
#include "base/error.h"
#include "expect_error.h"
#include "io/storage/aws_credentials.h"
#include "io/storage/aws_sigv4.h"
#include "s3_test_helpers.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <string>

using namespace ckpt;
using namespace s3test;

namespace {

// A fake environment; HOME always points into a temporary folder so no real ~/.aws is read.
struct FakeEnv {
    std::map<std::string, std::string> vars;
    EnvLookup lookup() const
    {
        return [vars = vars](const std::string &name) -> std::optional<std::string> {
            const auto it = vars.find(name);
            if (it == vars.end())
                return std::nullopt;
            return it->second;
        };
    }
};

std::string writeFile(const QTemporaryDir &dir, const std::string &name, const std::string &contents)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream out(path, std::ios::binary);
    out << contents;
    return path;
}

} // namespace

class TestS3Settings : public QObject {
    Q_OBJECT
private slots:
    void environmentCredentialsWin()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir(dir.path()).mkdir(QStringLiteral(".aws"));
        writeFile(
            dir, ".aws/credentials", "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SECRETFILE\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_ACCESS_KEY_ID", "AKENV"},
            {"AWS_SECRET_ACCESS_KEY", "SECRETENV"}, {"AWS_SESSION_TOKEN", "TOKENV"}}};
        const S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKENV"));
        QCOMPARE(qb(s.credentials.secretAccessKey), QByteArray("SECRETENV"));
        QCOMPARE(qb(s.credentials.sessionToken), QByteArray("TOKENV"));
        QCOMPARE(qb(s.credentials.source), QByteArray("environment (AWS_ACCESS_KEY_ID)"));
        QCOMPARE(qb(s.region), QByteArray("us-east-1"));
        QVERIFY(s.endpoint.empty());
        QVERIFY(!s.pathStyle);
    }

    void partialEnvironmentCredentials()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SECRET_ACCESS_KEY", "TOPSECRETVALUE"}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
        QVERIFY(e.message.find("AWS_ACCESS_KEY_ID") != std::string::npos);
        QVERIFY(e.describe().find("TOPSECRETVALUE") == std::string::npos);
        // An empty variable counts as unset.
        env.vars["AWS_ACCESS_KEY_ID"] = "";
        expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
    }

    void profilesFromCredentialsFile()
    {
        QTemporaryDir dir;
        const std::string creds = writeFile(dir, "creds.ini",
            "# comment\n[default]\naws_access_key_id=AKDEF\naws_secret_access_key=SECRETDEF\n\n"
            "[dev]\n; another comment\nAWS_ACCESS_KEY_ID = AKDEV\naws_secret_access_key = SECRETDEV\n"
            "aws_session_token = TOKDEV\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds}}};
        S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKDEF"));
        QCOMPARE(qb(s.credentials.source), qb("profile 'default' in " + creds));
        QVERIFY(s.credentials.sessionToken.empty());

        env.vars["AWS_PROFILE"] = "dev";
        s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKDEV"));
        QCOMPARE(qb(s.credentials.secretAccessKey), QByteArray("SECRETDEV"));
        QCOMPARE(qb(s.credentials.sessionToken), QByteArray("TOKDEV"));
        QCOMPARE(qb(s.credentials.source), qb("profile 'dev' in " + creds));
        QVERIFY(s.credentials.source.find("SECRETDEV") == std::string::npos);
    }

    void defaultFilesUnderHome()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral(".aws")));
        writeFile(dir, ".aws/credentials", "[default]\naws_access_key_id = AKHOME\naws_secret_access_key = S\n");
        writeFile(dir, ".aws/config", "[default]\nregion = eu-west-1\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}}};
        const S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKHOME"));
        QCOMPARE(qb(s.region), QByteArray("eu-west-1"));
        QVERIFY(s.credentials.source.ends_with("/.aws/credentials"));
    }

    void configFileProfile()
    {
        QTemporaryDir dir;
        const std::string config = writeFile(dir, "config",
            "[default]\nregion = us-west-2\n\n"
            "[profile   minio]\r\n"
            "aws_access_key_id = AKMINIO\r\n"
            "aws_secret_access_key = SECRETMINIO\r\n"
            "region = eu-central-1\r\n"
            "endpoint_url = http://127.0.0.1:7070/\r\n"
            "s3 =\r\n"
            "    addressing_style = virtual\r\n"
            "    max_concurrent_requests = 20\r\n"
            "output = json\r\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "minio"}}};
        S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKMINIO"));
        QCOMPARE(qb(s.credentials.source), qb("profile 'minio' in " + config));
        QCOMPARE(qb(s.region), QByteArray("eu-central-1"));
        QCOMPARE(qb(s.endpoint), QByteArray("http://127.0.0.1:7070"));
        QVERIFY(!s.pathStyle); // addressing_style = virtual beats the custom-endpoint default

        env.vars.erase("AWS_PROFILE");
        s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.region), QByteArray("us-west-2"));
        QVERIFY(s.credentials.anonymous());
        QVERIFY(s.endpoint.empty());
    }

    void credentialsFileBeatsConfigFile()
    {
        QTemporaryDir dir;
        const std::string creds
            = writeFile(dir, "credentials", "[dev]\naws_access_key_id = AKCRED\naws_secret_access_key = S1\n");
        const std::string config = writeFile(dir, "config",
            "[profile dev]\naws_access_key_id = AKCONF\naws_secret_access_key = S2\nregion = ap-south-1\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds},
            {"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "dev"}}};
        const S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKCRED"));
        QCOMPARE(qb(s.region), QByteArray("ap-south-1"));
    }

    void regionPrecedence()
    {
        QTemporaryDir dir;
        const std::string config = writeFile(dir, "config", "[default]\nregion = from-profile\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", config}, {"AWS_REGION", "from-region"},
            {"AWS_DEFAULT_REGION", "from-default-region"}}};
        QCOMPARE(qb(resolveS3Settings(env.lookup()).region), QByteArray("from-region"));
        env.vars.erase("AWS_REGION");
        QCOMPARE(qb(resolveS3Settings(env.lookup()).region), QByteArray("from-default-region"));
        env.vars.erase("AWS_DEFAULT_REGION");
        QCOMPARE(qb(resolveS3Settings(env.lookup()).region), QByteArray("from-profile"));
        env.vars.erase("AWS_CONFIG_FILE");
        QCOMPARE(qb(resolveS3Settings(env.lookup()).region), QByteArray("us-east-1"));
    }

    void endpointPrecedence()
    {
        QTemporaryDir dir;
        const std::string config = writeFile(dir, "config",
            "[default]\nendpoint_url = http://profile-global:1\nservices = local\n"
            "s3 =\n  endpoint_url = http://profile-nested:2\n\n"
            "[services local]\ns3 =\n  endpoint_url = http://services-s3:3\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", config},
            {"AWS_ENDPOINT_URL_S3", "http://env-s3:4"}, {"AWS_ENDPOINT_URL", "http://env-global:5"}}};
        QCOMPARE(qb(resolveS3Settings(env.lookup()).endpoint), QByteArray("http://env-s3:4"));
        env.vars.erase("AWS_ENDPOINT_URL_S3");
        QCOMPARE(qb(resolveS3Settings(env.lookup()).endpoint), QByteArray("http://env-global:5"));
        env.vars.erase("AWS_ENDPOINT_URL");
        const S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.endpoint), QByteArray("http://services-s3:3"));
        QVERIFY(s.pathStyle);

        const std::string plain = writeFile(dir, "config2",
            "[default]\nendpoint_url = https://profile-global\ns3 =\n  endpoint_url = http://profile-nested:2\n");
        env.vars["AWS_CONFIG_FILE"] = plain;
        QCOMPARE(qb(resolveS3Settings(env.lookup()).endpoint), QByteArray("http://profile-nested:2"));
        const std::string global = writeFile(dir, "config3", "[default]\nendpoint_url = https://profile-global/\n");
        env.vars["AWS_CONFIG_FILE"] = global;
        QCOMPARE(qb(resolveS3Settings(env.lookup()).endpoint), QByteArray("https://profile-global"));

        env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        env.vars["AWS_ENDPOINT_URL_S3"] = "http://env-s3:4";
        const S3Settings ignored = resolveS3Settings(env.lookup());
        QVERIFY(ignored.endpoint.empty());
        QVERIFY(!ignored.pathStyle);
    }

    void badEndpointRejected()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_ENDPOINT_URL", "127.0.0.1:7070"}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
        QVERIFY(e.message.find("AWS_ENDPOINT_URL") != std::string::npos);
        env.vars["AWS_ENDPOINT_URL"] = "http://";
        expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
    }

    void addressingStyle()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7070"}}};
        QVERIFY(resolveS3Settings(env.lookup()).pathStyle);
        env.vars["CKPT_S3_ADDRESSING"] = "virtual";
        QVERIFY(!resolveS3Settings(env.lookup()).pathStyle);
        env.vars.erase("AWS_ENDPOINT_URL_S3");
        env.vars["CKPT_S3_ADDRESSING"] = "Path";
        QVERIFY(resolveS3Settings(env.lookup()).pathStyle);
        env.vars["CKPT_S3_ADDRESSING"] = "sideways";
        expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);

        const std::string config = writeFile(dir, "config", "[default]\ns3 =\n  addressing_style = path\n");
        FakeEnv withConfig{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", config}}};
        QVERIFY(resolveS3Settings(withConfig.lookup()).pathStyle);
        const std::string bad = writeFile(dir, "bad", "[default]\ns3 =\n  addressing_style = diagonal\n");
        withConfig.vars["AWS_CONFIG_FILE"] = bad;
        const Error e = expectError([&] { resolveS3Settings(withConfig.lookup()); }, ErrorCategory::InvalidArgument);
        QCOMPARE(qb(e.file), qb(bad));
    }

    void noSignRequest()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_NO_SIGN_REQUEST", "TRUE"}, {"AWS_ACCESS_KEY_ID", "AK"},
            {"AWS_SECRET_ACCESS_KEY", "S"}}};
        S3Settings s = resolveS3Settings(env.lookup());
        QVERIFY(s.credentials.anonymous());
        QVERIFY(s.credentials.accessKeyId.empty());
        QCOMPARE(qb(s.credentials.source), QByteArray("anonymous (AWS_NO_SIGN_REQUEST)"));
        env.vars["AWS_NO_SIGN_REQUEST"] = "false";
        s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AK"));
        env.vars["AWS_NO_SIGN_REQUEST"] = "perhaps";
        expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
    }

    void anonymousWhenNothingConfigured()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}}};
        const S3Settings s = resolveS3Settings(env.lookup());
        QVERIFY(s.credentials.anonymous());
        QVERIFY(s.credentials.source.starts_with("anonymous"));
        QCOMPARE(qb(s.region), QByteArray("us-east-1"));
        QVERIFY(s.endpoint.empty());
        QVERIFY(!s.pathStyle);
        // No HOME at all: still resolves.
        FakeEnv bare;
        QVERIFY(resolveS3Settings(bare.lookup()).credentials.anonymous());
    }

    void missingExplicitProfile()
    {
        QTemporaryDir dir;
        const std::string creds
            = writeFile(dir, "credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = S\n");
        FakeEnv env{
            {{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_PROFILE", "prod"}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
        QVERIFY(e.message.find("'prod'") != std::string::npos);
        QVERIFY(e.message.find(creds) != std::string::npos);
    }

    void partialProfileKeys()
    {
        QTemporaryDir dir;
        const std::string creds = writeFile(dir, "credentials", "[default]\naws_secret_access_key = PROFILESECRET\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
        QCOMPARE(qb(e.file), qb(creds));
        QVERIFY(e.describe().find("PROFILESECRET") == std::string::npos);
    }

    void unsupportedProviders()
    {
        QTemporaryDir dir;
        const std::string config = writeFile(dir, "config",
            "[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n"
            "[profile sso]\nsso_session = corp\n[profile keys]\nrole_arn = arn:x\naws_access_key_id = AK\n"
            "aws_secret_access_key = S\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "assume"}}};
        Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::Unsupported);
        QVERIFY(e.message.find("role_arn") != std::string::npos);
        QCOMPARE(qb(e.file), qb(config));
        env.vars["AWS_PROFILE"] = "sso";
        expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::Unsupported);
        // Static keys win over an unsupported provider; so do environment keys.
        env.vars["AWS_PROFILE"] = "keys";
        QCOMPARE(qb(resolveS3Settings(env.lookup()).credentials.accessKeyId), QByteArray("AK"));
        env.vars["AWS_PROFILE"] = "assume";
        env.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
        env.vars["AWS_SECRET_ACCESS_KEY"] = "SENV";
        QCOMPARE(qb(resolveS3Settings(env.lookup()).credentials.accessKeyId), QByteArray("AKENV"));
    }

    void malformedIni_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<int>("line");
        QTest::newRow("secret without key")
            << QByteArray("[default]\naws_access_key_id = AK\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n") << 3;
        QTest::newRow("unclosed section") << QByteArray("[default]\nregion = x\n\n[dev\naws_secret_access_key = "
                                                        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
                                          << 4;
        QTest::newRow("setting before section")
            << QByteArray("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n[default]\n") << 1;
        QTest::newRow("empty key") << QByteArray("[default]\n = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n") << 2;
        QTest::newRow("empty section name") << QByteArray("# x\n[  ]\n") << 2;
        QTest::newRow("bad nested line") << QByteArray("[default]\ns3 =\n  wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
                                         << 3;
    }

    void malformedIni()
    {
        QFETCH(QByteArray, contents);
        QFETCH(int, line);
        QTemporaryDir dir;
        const std::string creds = writeFile(dir, "credentials", contents.toStdString());
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::InvalidArgument);
        QCOMPARE(qb(e.file), qb(creds));
        QVERIFY2(e.message.find("line " + std::to_string(line) + " ") != std::string::npos, e.message.c_str());
        QVERIFY(e.describe().find(kIamSecret) == std::string::npos);
        QVERIFY(e.describe().find("wJalr") == std::string::npos);
        // The byte offset is the start of the offending line.
        qsizetype start = 0;
        for (int i = 1; i < line; ++i)
            start = contents.indexOf('\n', start) + 1;
        QCOMPARE(e.byteOffset.value_or(~uint64_t(0)), uint64_t(start));
    }

    void iniDialect()
    {
        QTemporaryDir dir;
        const std::string creds = writeFile(dir, "credentials",
            "\xEF\xBB\xBF"
            "# header comment\n"
            "[default]\n"
            "aws_access_key_id=AKBOM\n"
            "aws_secret_access_key   =   with=equals/and+plus   \n"
            "; trailing comment\n"
            "[default]\n"
            "aws_session_token = line1\n"
            "  line2\n");
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_SHARED_CREDENTIALS_FILE", creds}}};
        const S3Settings s = resolveS3Settings(env.lookup());
        QCOMPARE(qb(s.credentials.accessKeyId), QByteArray("AKBOM"));
        QCOMPARE(qb(s.credentials.secretAccessKey), QByteArray("with=equals/and+plus"));
        QCOMPARE(qb(s.credentials.sessionToken), QByteArray("line1\nline2")); // continuation line
    }

    void unreadableConfigPath()
    {
        QTemporaryDir dir;
        FakeEnv env{{{"HOME", dir.path().toStdString()}, {"AWS_CONFIG_FILE", dir.path().toStdString()}}};
        const Error e = expectError([&] { resolveS3Settings(env.lookup()); }, ErrorCategory::Io);
        QCOMPARE(qb(e.file), qb(dir.path().toStdString()));
    }

    void processEnvironmentReadsVariables()
    {
        qputenv("CKPT_TST_S3_SIGNING_VAR", "value 1");
        qunsetenv("CKPT_TST_S3_SIGNING_UNSET");
        const EnvLookup env = processEnvironment();
        QCOMPARE(qb(env("CKPT_TST_S3_SIGNING_VAR").value_or("")), QByteArray("value 1"));
        QVERIFY(!env("CKPT_TST_S3_SIGNING_UNSET"));
        qunsetenv("CKPT_TST_S3_SIGNING_VAR");
    }

    void requestUrls()
    {
        S3Settings aws;
        aws.region = "eu-west-1";
        QCOMPARE(qb(s3RequestUrl(aws, "my-bucket", "runs/step 1/ckpt+é.bin")),
            QByteArray("https://my-bucket.s3.eu-west-1.amazonaws.com/runs/step%201/ckpt%2B%C3%A9.bin"));
        QCOMPARE(
            qb(s3RequestUrl(aws, "my-bucket", "", {{"list-type", "2"}, {"prefix", "runs/a b/"}, {"delimiter", "/"}})),
            QByteArray(
                "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=runs%2Fa%20b%2F&delimiter=%2F"));
        QCOMPARE(qb(s3RequestUrl(aws, "my-bucket", "big.bin", {{"uploads", ""}})),
            QByteArray("https://my-bucket.s3.eu-west-1.amazonaws.com/big.bin?uploads"));
        // Dotted buckets break the TLS wildcard certificate: path style.
        QCOMPARE(qb(s3RequestUrl(aws, "my.bucket", "k")), QByteArray("https://s3.eu-west-1.amazonaws.com/my.bucket/k"));
        QCOMPARE(
            qb(s3RequestUrl(aws, "Upper_Case", "k")), QByteArray("https://s3.eu-west-1.amazonaws.com/Upper_Case/k"));
        aws.pathStyle = true;
        QCOMPARE(
            qb(s3RequestUrl(aws, "my-bucket", "a/b")), QByteArray("https://s3.eu-west-1.amazonaws.com/my-bucket/a/b"));
        QCOMPARE(qb(s3RequestUrl(aws, "my-bucket", "", {{"list-type", "2"}})),
            QByteArray("https://s3.eu-west-1.amazonaws.com/my-bucket?list-type=2"));
        aws.pathStyle = false;
        aws.region = "cn-north-1";
        QCOMPARE(qb(s3RequestUrl(aws, "b-cn", "k")), QByteArray("https://b-cn.s3.cn-north-1.amazonaws.com.cn/k"));

        S3Settings minio;
        minio.endpoint = "http://127.0.0.1:7070";
        minio.pathStyle = true;
        QCOMPARE(qb(s3RequestUrl(minio, "ckpt", "a/b.bin", {{"partNumber", "3"}, {"uploadId", "x/y=z"}})),
            QByteArray("http://127.0.0.1:7070/ckpt/a/b.bin?partNumber=3&uploadId=x%2Fy%3Dz"));
        minio.pathStyle = false; // an IP literal cannot carry a bucket label
        QCOMPARE(qb(s3RequestUrl(minio, "ckpt", "k")), QByteArray("http://127.0.0.1:7070/ckpt/k"));
        S3Settings custom;
        custom.endpoint = "http://storage.local:9000/s3";
        QCOMPARE(qb(s3RequestUrl(custom, "my.bucket", "k")), QByteArray("http://my.bucket.storage.local:9000/s3/k"));
        custom.pathStyle = true;
        QCOMPARE(qb(s3RequestUrl(custom, "my.bucket", "k")), QByteArray("http://storage.local:9000/s3/my.bucket/k"));

        expectError([&] { s3RequestUrl(aws, "", "k"); }, ErrorCategory::InvalidArgument);
        expectError([&] { s3RequestUrl(aws, "a/b", "k"); }, ErrorCategory::InvalidArgument);

        // The URL builder and the signer agree: the canonical URI is the URL's path.
        HttpRequest req;
        req.url = s3RequestUrl(aws, "b-cn", "dir/x y+z~");
        const AwsV4Signature sig = signAwsV4Detailed(req, s3ExampleCredentials(), "cn-north-1", "s3", utc(2024, 1, 1));
        QVERIFY(sig.canonicalRequest.starts_with("GET\n/dir/x%20y%2Bz~\n\n"));
    }
};

QTEST_APPLESS_MAIN(TestS3Settings)
#include "tst_s3_settings.moc"
