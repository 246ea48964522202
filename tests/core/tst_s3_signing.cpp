// AWS Signature Version 4: the published AWS examples, then canonical-form rules.
#include "base/error.h"
#include "expect_error.h"
#include "io/storage/aws_sigv4.h"
#include "s3_test_helpers.h"

#include <QtTest>

#include <chrono>
#include <string>

using namespace ckpt;
using namespace s3test;

namespace {

using namespace std::chrono;

const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The value of the one header named `name` (any case); "<duplicate>" when there are several.
std::optional<std::string> headerValue(const HttpRequest &req, std::string_view name)
{
    std::optional<std::string> found;
    for (const HttpHeader &h : req.headers) {
        if (QByteArray::fromStdString(h.name).toLower() == QByteArray(name.data(), qsizetype(name.size()))) {
            if (found)
                return "<duplicate>";
            found = h.value;
        }
    }
    return found;
}

} // namespace

class TestS3Signing : public QObject {
    Q_OBJECT
private slots:
    // Published AWS examples.

    void signingKeyDerivation()
    {
        // "Examples of how to derive a signing key" (AWS General Reference) and the 2015 IAM example.
        QCOMPARE(qb(awsHex(awsSigningKey(kIamSecret, "20150830", "us-east-1", "iam"))),
            QByteArray("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"));
        QCOMPARE(qb(awsHex(awsSigningKey(kIamSecret, "20120215", "us-east-1", "iam"))),
            QByteArray("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"));
        QCOMPARE(awsSigningKey(kIamSecret, "20150830", "us-east-1", "iam").size(), size_t(32));
    }

    void primitives()
    {
        QCOMPARE(qb(awsSha256Hex("")), qb(kEmptySha256));
        QCOMPARE(qb(awsSha256Hex("Welcome to Amazon S3.")),
            QByteArray("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"));
        // RFC 4231 test case 2.
        QCOMPARE(qb(awsHex(awsHmacSha256("Jefe", "what do ya want for nothing?"))),
            QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QCOMPARE(qb(awsAmzDate(utc(2013, 5, 24))), QByteArray("20130524T000000Z"));
        QCOMPARE(qb(awsAmzDate(utc(2015, 8, 30, 12, 36) + milliseconds(999))), QByteArray("20150830T123600Z"));
        QCOMPARE(qb(awsAmzDate(utc(2000, 2, 29, 23, 59, 59))), QByteArray("20000229T235959Z"));
    }

    void iamGetExample()
    {
        // The IAM ListUsers example of the SigV4 documentation, step by step.
        HttpRequest req;
        req.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
            {"Host", "iam.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
        const AwsCanonicalRequest canonical = awsCanonicalRequest(req, kEmptySha256);
        QCOMPARE(qb(canonical.text),
            QByteArray("GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                       "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                       "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                       "content-type;host;x-amz-date\n")
                + qb(kEmptySha256));
        QCOMPARE(qb(canonical.signedHeaders), QByteArray("content-type;host;x-amz-date"));
        QCOMPARE(qb(awsSha256Hex(canonical.text)),
            QByteArray("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
        const std::string sts
            = awsStringToSign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical.text);
        QCOMPARE(qb(sts),
            QByteArray("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                       "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
        const std::string key = awsSigningKey(kIamSecret, "20150830", "us-east-1", "iam");
        QCOMPARE(qb(awsHex(awsHmacSha256(key, sts))),
            QByteArray("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
    }

    void testSuiteQueryOrder()
    {
        // SigV4 test suite "get-vanilla-query-order-key-case": parameters arrive out of order.
        HttpRequest req;
        req.url = "https://example.amazonaws.com/?Param2=value2&Param1=value1";
        req.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
        const AwsCanonicalRequest canonical = awsCanonicalRequest(req, kEmptySha256);
        QVERIFY(canonical.text.starts_with("GET\n/\nParam1=value1&Param2=value2\n"));
        const std::string sts
            = awsStringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical.text);
        const std::string key = awsSigningKey(kIamSecret, "20150830", "us-east-1", "service");
        QCOMPARE(qb(awsHex(awsHmacSha256(key, sts))),
            QByteArray("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
    }

    void s3GetObjectExample()
    {
        // S3 "Example: GET Object" (first 10 bytes of test.txt in examplebucket), end to end.
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        req.range = HttpByteRange{0, 9};
        const AwsV4Signature sig = signAwsV4Detailed(req, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24));
        QCOMPARE(qb(sig.canonicalRequest),
            QByteArray("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                       "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(qb(sig.stringToSign),
            QByteArray("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
        QCOMPARE(qb(sig.signature), QByteArray("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
        const QByteArray expectedAuth
            = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        QCOMPARE(qb(sig.authorization), expectedAuth);
        QCOMPARE(qb(headerValue(req, "authorization").value_or("")), expectedAuth);
        QCOMPARE(qb(headerValue(req, "host").value_or("")), QByteArray("examplebucket.s3.amazonaws.com"));
        QCOMPARE(qb(headerValue(req, "x-amz-date").value_or("")), QByteArray("20130524T000000Z"));
        QCOMPARE(qb(headerValue(req, "x-amz-content-sha256").value_or("")), qb(kEmptySha256));
        QVERIFY(!headerValue(req, "range")); // the range stays in req.range; the client writes the header
        QVERIFY(!headerValue(req, "x-amz-security-token"));
    }

    void s3PutObjectExample()
    {
        // S3 "Example: PUT Object": '$' in the key, a Date header and a storage-class header.
        HttpRequest req;
        req.method = "PUT";
        req.url = "https://examplebucket.s3.amazonaws.com/test$file.text";
        req.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
        req.body = "Welcome to Amazon S3.";
        const AwsV4Signature sig = signAwsV4Detailed(req, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24));
        QCOMPARE(qb(sig.canonicalRequest),
            QByteArray("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
                       "host:examplebucket.s3.amazonaws.com\n"
                       "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
                       "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
                       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
                       "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"));
        QCOMPARE(qb(sig.signature), QByteArray("98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));

        // The same key already percent-encoded signs identically (no double encoding).
        HttpRequest encoded = req;
        encoded.url = "https://examplebucket.s3.amazonaws.com/test%24file.text";
        QCOMPARE(qb(signAwsV4Detailed(encoded, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24)).signature),
            qb(sig.signature));
    }

    void s3BucketExamples()
    {
        // S3 "Example: GET Bucket Lifecycle" (a bare sub-resource) and "Example: Get Bucket (List
        // Objects)"; the list example is also signed with its parameters in reverse order.
        HttpRequest lifecycle;
        lifecycle.url = "https://examplebucket.s3.amazonaws.com/?lifecycle";
        const AwsV4Signature l
            = signAwsV4Detailed(lifecycle, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24));
        QVERIFY(l.canonicalRequest.starts_with("GET\n/\nlifecycle=\n"));
        QCOMPARE(qb(l.signature), QByteArray("fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));

        for (const char *url : {"https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
                 "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2"}) {
            HttpRequest list;
            list.url = url;
            const AwsV4Signature s
                = signAwsV4Detailed(list, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24));
            QVERIFY(s.canonicalRequest.starts_with("GET\n/\nmax-keys=2&prefix=J\n"));
            QCOMPARE(qb(s.signature), QByteArray("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
        }
    }

    // Canonical form rules.

    void canonicalQuery_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QByteArray>("canonical");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("sorted by name") << QByteArray("b=2&a=1&c=3") << QByteArray("a=1&b=2&c=3");
        QTest::newRow("same name sorted by value") << QByteArray("a=2&a=1&aa=0") << QByteArray("a=1&a=2&aa=0");
        QTest::newRow("name before value: a- vs a") << QByteArray("a-=1&a=2") << QByteArray("a=2&a-=1");
        QTest::newRow("upper case sorts first") << QByteArray("b=1&B=2&a=3") << QByteArray("B=2&a=3&b=1");
        QTest::newRow("bare name") << QByteArray("uploads") << QByteArray("uploads=");
        QTest::newRow("empty value") << QByteArray("prefix=&list-type=2") << QByteArray("list-type=2&prefix=");
        QTest::newRow("empty pieces skipped") << QByteArray("&a=1&&b=2&") << QByteArray("a=1&b=2");
        QTest::newRow("space stays %20") << QByteArray("k=a%20b") << QByteArray("k=a%20b");
        QTest::newRow("plus is literal") << QByteArray("k=a+b") << QByteArray("k=a%2Bb");
        QTest::newRow("slash encoded") << QByteArray("prefix=dir/sub/") << QByteArray("prefix=dir%2Fsub%2F");
        QTest::newRow("unreserved decoded") << QByteArray("k=%7Euser%2D%2e") << QByteArray("k=~user-.");
        QTest::newRow("lower-case hex normalised") << QByteArray("k=%c3%bc") << QByteArray("k=%C3%BC");
        QTest::newRow("raw utf-8 encoded") << QByteArray("k=\xC3\xBC") << QByteArray("k=%C3%BC");
        QTest::newRow("not double encoded") << QByteArray("k=%2520") << QByteArray("k=%2520");
        QTest::newRow("equals in value") << QByteArray("token=ab%3D%3D&x=a=b") << QByteArray("token=ab%3D%3D&x=a%3Db");
        QTest::newRow("sort on encoded names") << QByteArray("a%21=1&a%20=2") << QByteArray("a%20=2&a%21=1");
        QTest::newRow("continuation token")
            << QByteArray("list-type=2&continuation-token=1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
            << QByteArray("continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D&list-type=2");
    }

    void canonicalQuery()
    {
        QFETCH(QByteArray, query);
        QFETCH(QByteArray, canonical);
        QCOMPARE(qb(awsCanonicalQuery(query.toStdString())), canonical);
    }

    void canonicalUri_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("canonical");
        QTest::newRow("empty") << QByteArray("") << QByteArray("/");
        QTest::newRow("root") << QByteArray("/") << QByteArray("/");
        QTest::newRow("plain") << QByteArray("/bucket/a/b.bin") << QByteArray("/bucket/a/b.bin");
        QTest::newRow("dollar") << QByteArray("/test$file.text") << QByteArray("/test%24file.text");
        QTest::newRow("space") << QByteArray("/a b") << QByteArray("/a%20b");
        QTest::newRow("already encoded space") << QByteArray("/a%20b") << QByteArray("/a%20b");
        QTest::newRow("encoded slash kept") << QByteArray("/a%2Fb") << QByteArray("/a%2Fb");
        QTest::newRow("plus") << QByteArray("/a+b") << QByteArray("/a%2Bb");
        QTest::newRow("tilde decoded") << QByteArray("/%7Euser/x") << QByteArray("/~user/x");
        QTest::newRow("utf-8") << QByteArray("/\xC3\xBC") << QByteArray("/%C3%BC");
        QTest::newRow("lower-case hex") << QByteArray("/%c3%bc") << QByteArray("/%C3%BC");
        QTest::newRow("percent literal encoded once") << QByteArray("/100%25") << QByteArray("/100%25");
        QTest::newRow("stray percent") << QByteArray("/a%zz") << QByteArray("/a%25zz");
        QTest::newRow("empty segments kept") << QByteArray("/a//b/") << QByteArray("/a//b/");
        QTest::newRow("dot segments kept") << QByteArray("/a/./../b") << QByteArray("/a/./../b");
        QTest::newRow("reserved") << QByteArray("/k=v&x;y:z@w,(1)!*'")
                                  << QByteArray("/k%3Dv%26x%3By%3Az%40w%2C%281%29%21%2A%27");
    }

    void canonicalUri()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, canonical);
        QCOMPARE(qb(awsCanonicalUri(path.toStdString())), canonical);
    }

    void hostHeader_data()
    {
        QTest::addColumn<QByteArray>("url");
        QTest::addColumn<QByteArray>("host");
        QTest::newRow("https") << QByteArray("https://examplebucket.s3.amazonaws.com/x")
                               << QByteArray("examplebucket.s3.amazonaws.com");
        QTest::newRow("custom port") << QByteArray("http://127.0.0.1:7070/b/k?x=1") << QByteArray("127.0.0.1:7070");
        QTest::newRow("default http port") << QByteArray("http://minio:80/b") << QByteArray("minio");
        QTest::newRow("default https port") << QByteArray("https://S3.Example.COM:443") << QByteArray("s3.example.com");
        QTest::newRow("https on 80") << QByteArray("https://host:80/") << QByteArray("host:80");
        QTest::newRow("ipv6") << QByteArray("http://[::1]:9000/b") << QByteArray("[::1]:9000");
        QTest::newRow("ipv6 default port") << QByteArray("http://[::1]/b") << QByteArray("[::1]");
        QTest::newRow("userinfo dropped") << QByteArray("http://user@host:8080/") << QByteArray("host:8080");
        QTest::newRow("query right after host") << QByteArray("https://host?list-type=2") << QByteArray("host");
        QTest::newRow("upper-case scheme") << QByteArray("HTTP://host:80/") << QByteArray("host");
    }

    void hostHeader()
    {
        QFETCH(QByteArray, url);
        QFETCH(QByteArray, host);
        QCOMPARE(qb(awsHostHeader(url.toStdString())), host);
    }

    void badUrlsRejected()
    {
        for (const char *url : {"", "/bucket/key", "ftp://host/x", "https:///x", "http://host:port/", "http://[::1/"}) {
            HttpRequest req;
            req.url = url;
            req.displayName = "s3://bucket/key";
            const Error e
                = expectError([&] { signAwsV4(req, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24)); },
                    ErrorCategory::InvalidArgument);
            QCOMPARE(qb(e.file), QByteArray("s3://bucket/key"));
            QVERIFY(req.headers.empty());
        }
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        expectError([&] { signAwsV4(req, s3ExampleCredentials(), "", "s3", utc(2013, 5, 24)); },
            ErrorCategory::InvalidArgument);
    }

    void headerNormalisation()
    {
        HttpRequest req;
        req.url = "https://h.example/";
        req.headers = {{"Host", "h.example"}, {"  X-Amz-Meta-B ", "  two   spaces\tand tab  "}, {"x-amz-meta-a", "1"},
            {"X-AMZ-META-A", "2"}, {"Content-Type", "text/plain"}, {"User-Agent", "ckpt/1.0"}, {"Expect", ""},
            {"Connection", "keep-alive"}, {"Proxy-Authorization", "Basic abc"}, {"x-empty", ""}};
        const AwsCanonicalRequest c = awsCanonicalRequest(req, "UNSIGNED-PAYLOAD");
        QCOMPARE(qb(c.text),
            QByteArray(
                "GET\n/\n\ncontent-type:text/plain\nhost:h.example\nx-amz-meta-a:1,2\n"
                "x-amz-meta-b:two spaces and tab\n\ncontent-type;host;x-amz-meta-a;x-amz-meta-b\nUNSIGNED-PAYLOAD"));
        QCOMPARE(qb(c.signedHeaders), QByteArray("content-type;host;x-amz-meta-a;x-amz-meta-b"));
    }

    void rangeSignedFromField()
    {
        HttpRequest req;
        req.url = "https://b.s3.amazonaws.com/k";
        req.range = HttpByteRange{100, 18446744073709551614ull};
        const AwsV4Signature sig = signAwsV4Detailed(req, s3ExampleCredentials(), "us-east-1", "s3", utc(2024, 1, 1));
        QVERIFY(sig.canonicalRequest.find("\nrange:bytes=100-18446744073709551614\n") != std::string::npos);
        QCOMPARE(qb(sig.signedHeaders), QByteArray("host;range;x-amz-content-sha256;x-amz-date"));

        HttpRequest both = req;
        both.headers = {{"Range", "bytes=0-1"}};
        expectError([&] { signAwsV4(both, s3ExampleCredentials(), "us-east-1", "s3", utc(2024, 1, 1)); },
            ErrorCategory::InvalidArgument);

        HttpRequest headerOnly;
        headerOnly.url = req.url;
        headerOnly.headers = {{"Range", "bytes=0-9"}};
        const AwsV4Signature h
            = signAwsV4Detailed(headerOnly, s3ExampleCredentials(), "us-east-1", "s3", utc(2024, 1, 1));
        QVERIFY(h.canonicalRequest.find("\nrange:bytes=0-9\n") != std::string::npos);
    }

    void sessionToken()
    {
        AwsCredentials creds = s3ExampleCredentials();
        creds.sessionToken = "FQoGZXIvYXdzEXAMPLE//token+with/slashes=";
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        req.range = HttpByteRange{0, 9};
        const AwsV4Signature sig = signAwsV4Detailed(req, creds, "us-east-1", "s3", utc(2013, 5, 24));
        QCOMPARE(qb(headerValue(req, "x-amz-security-token").value_or("")), qb(creds.sessionToken));
        QCOMPARE(qb(sig.signedHeaders), QByteArray("host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token"));
        QVERIFY(sig.canonicalRequest.find("\nx-amz-security-token:" + creds.sessionToken + "\n") != std::string::npos);
        // The token takes part in the signature: it differs from the published token-less one.
        QVERIFY(sig.signature != "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        QCOMPARE(sig.signature.size(), size_t(64));
    }

    void unsignedPayload()
    {
        HttpRequest req;
        req.method = "PUT";
        req.url = "https://b.s3.us-west-2.amazonaws.com/big.bin";
        req.body = std::string(1000, 'x');
        const AwsV4Signature sig = signAwsV4Detailed(
            req, s3ExampleCredentials(), "us-west-2", "s3", utc(2024, 1, 1), AwsPayloadSigning::Unsigned);
        QCOMPARE(qb(headerValue(req, "x-amz-content-sha256").value_or("")), QByteArray("UNSIGNED-PAYLOAD"));
        QVERIFY(sig.canonicalRequest.ends_with("\nUNSIGNED-PAYLOAD"));
        QCOMPARE(qb(sig.scope), QByteArray("20240101/us-west-2/s3/aws4_request"));

        HttpRequest hashed = req;
        hashed.headers.clear();
        signAwsV4(hashed, s3ExampleCredentials(), "us-west-2", "s3", utc(2024, 1, 1));
        QCOMPARE(qb(headerValue(hashed, "x-amz-content-sha256").value_or("")), qb(awsSha256Hex(req.body)));
    }

    void anonymousLeavesRequestAlone()
    {
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        req.headers = {{"Accept", "*/*"}};
        req.range = HttpByteRange{0, 9};
        AwsCredentials anon;
        anon.source = "anonymous (AWS_NO_SIGN_REQUEST)";
        QVERIFY(anon.anonymous());
        const AwsV4Signature sig = signAwsV4Detailed(req, anon, "us-east-1", "s3", utc(2013, 5, 24));
        QVERIFY(sig.authorization.empty());
        QCOMPARE(req.headers.size(), size_t(1));
        QCOMPARE(qb(req.headers[0].name), QByteArray("Accept"));
        AwsCredentials halfKey;
        halfKey.accessKeyId = "AKIA";
        QVERIFY(halfKey.anonymous());
    }

    void resigningReplacesOwnHeaders()
    {
        AwsCredentials creds = s3ExampleCredentials();
        creds.sessionToken = "tok";
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        req.headers = {{"X-Amz-Date", "stale"}, {"AUTHORIZATION", "stale"}, {"Host", "stale"}};
        signAwsV4(req, creds, "us-east-1", "s3", utc(2020, 1, 1));
        const AwsV4Signature second = signAwsV4Detailed(req, creds, "us-east-1", "s3", utc(2013, 5, 24));
        for (const char *name : {"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"})
            QVERIFY2(headerValue(req, name) && *headerValue(req, name) != "<duplicate>", name);
        QCOMPARE(qb(headerValue(req, "x-amz-date").value_or("")), QByteArray("20130524T000000Z"));
        QCOMPARE(req.headers.size(), size_t(5));

        HttpRequest fresh;
        fresh.url = req.url;
        QCOMPARE(
            qb(signAwsV4Detailed(fresh, creds, "us-east-1", "s3", utc(2013, 5, 24)).signature), qb(second.signature));
    }

    void secretNeverInRequest()
    {
        HttpRequest req;
        req.url = "https://examplebucket.s3.amazonaws.com/test.txt";
        const AwsV4Signature sig = signAwsV4Detailed(req, s3ExampleCredentials(), "us-east-1", "s3", utc(2013, 5, 24));
        for (const HttpHeader &h : req.headers)
            QVERIFY(h.value.find(kS3Secret) == std::string::npos);
        QVERIFY(sig.canonicalRequest.find(kS3Secret) == std::string::npos);
        QVERIFY(sig.stringToSign.find(kS3Secret) == std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestS3Signing)
#include "tst_s3_signing.moc"
