#include "base/error.h"
#include "expect_error.h"
#include "io/path_ops.h"
#include "io/storage/http_client.h"
#include "io/storage/storage_url.h"

#include <QtTest>

using namespace ckpt;

/// URL parsing and the path helpers every command uses for URLs and local paths alike.
class TestStorageUrl : public QObject {
    Q_OBJECT

private slots:
    void recognisesSchemes()
    {
        QVERIFY(isStorageUrl("gs://b/k"));
        QVERIFY(isStorageUrl("S3://b"));
        QVERIFY(isStorageUrl("https://h/x"));
        QVERIFY(isStorageUrl("http://127.0.0.1:8080/"));
        QVERIFY(!isStorageUrl("/tmp/gs://x"));
        QVERIFY(!isStorageUrl("relative/path"));
        QVERIFY(!isStorageUrl("file:///tmp/x"));
        QVERIFY(!isStorageUrl("gs:/b/k"));
    }

    void parsesAndNormalisesKeys()
    {
        const StorageUrl u = parseStorageUrl("gs://bucket/run//checkpoints/4/");
        QCOMPARE(u.scheme, std::string("gs"));
        QCOMPARE(u.bucket, std::string("bucket"));
        QCOMPARE(u.key, std::string("run/checkpoints/4"));
        QCOMPARE(parseStorageUrl("s3://b").key, std::string());
        QCOMPARE(parseStorageUrl("s3://b/./a").key, std::string("a"));
        const StorageUrl h = parseStorageUrl("HTTPS://host:8443/a%20b/c%2Fd");
        QCOMPARE(h.scheme, std::string("https"));
        QCOMPARE(h.bucket, std::string("host:8443"));
        QCOMPARE(h.key, std::string("a b/c/d"));
    }

    void refusesBadUrls()
    {
        expectError([] { parseStorageUrl("gs:///key"); }, ErrorCategory::InvalidArgument);
        expectError([] { parseStorageUrl("gs://b/a/../../etc"); }, ErrorCategory::InvalidArgument);
        expectError([] { parseStorageUrl("https://h/x?sig=secret"); }, ErrorCategory::InvalidArgument);
        expectError([] { parseStorageUrl("https://h/bad%zz"); }, ErrorCategory::InvalidArgument);
        expectError([] { parseStorageUrl("/local/path"); }, ErrorCategory::InvalidArgument);
    }

    void joinsAndSplitsUrls()
    {
        QCOMPARE(joinPath("gs://b/run", "4/state"), std::string("gs://b/run/4/state"));
        QCOMPARE(joinPath("gs://b/run/", "x"), std::string("gs://b/run/x"));
        QCOMPARE(joinPath("gs://b", "x"), std::string("gs://b/x"));
        QCOMPARE(pathName("gs://b/run/step_5/"), std::string("step_5"));
        QCOMPARE(pathParent("gs://b/run/step_5"), std::string("gs://b/run"));
        QCOMPARE(pathParent("gs://b/x"), std::string("gs://b"));
        QCOMPARE(pathParent("gs://b"), std::string());
        QCOMPARE(joinPath("/tmp/a", "b"), std::string("/tmp/a/b"));
        QCOMPARE(pathParent("/tmp/a/b"), std::string("/tmp/a"));
    }

    void encodesForUrls()
    {
        QCOMPARE(urlEncode("a b/c~d", true), std::string("a%20b/c~d"));
        QCOMPARE(urlEncode("a b/c", false), std::string("a%20b%2Fc"));
        QCOMPARE(urlEncode("\xff", false), std::string("%FF"));
    }

    void retriesOnlyWhatMayHeal()
    {
        QVERIFY(isRetryableStatus(503));
        QVERIFY(isRetryableStatus(429));
        QVERIFY(isRetryableStatus(408));
        QVERIFY(!isRetryableStatus(404));
        QVERIFY(!isRetryableStatus(403));
        QVERIFY(!isRetryableStatus(412));
    }

    void unreachableServerIsAnIoErrorAfterRetries()
    {
        // A closed loopback port: connection refused on every attempt.
        HttpPolicy p;
        p.maxAttempts = 3;
        p.backoffBase = std::chrono::milliseconds(1);
        HttpClient client(p);
        HttpRequest r;
        r.url = "http://127.0.0.1:9/x?X-Goog-Signature=secret";
        const Error e = expectError([&] { client.send(r); }, ErrorCategory::Io);
        QVERIFY(e.message.find("after 3 attempts") != std::string::npos);
        QVERIFY(e.message.find("secret") == std::string::npos); // the query never reaches a message
    }

    void cancelStopsARequest()
    {
        HttpClient client;
        HttpRequest r;
        r.url = "http://127.0.0.1:9/x";
        Progress cancelled;
        cancelled.isCancelled = [] { return true; };
        expectError([&] { client.send(r, cancelled); }, ErrorCategory::Cancelled);
    }
};

QTEST_APPLESS_MAIN(TestStorageUrl)
#include "tst_storage_url.moc"
