// S3 XML: ListObjectsV2 pages, error bodies, multipart upload documents.
#include "base/error.h"
#include "expect_error.h"
#include "io/storage/s3_xml.h"
#include "s3_test_helpers.h"

#include <QtTest>

#include <string>

using namespace ckpt;
using namespace s3test;

namespace {

const char *kListPage
    = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Name>ckpt-bucket</Name>\n"
      "  <Prefix>runs/</Prefix>\n"
      "  <KeyCount>2</KeyCount>\n"
      "  <MaxKeys>2</MaxKeys>\n"
      "  <IsTruncated>true</IsTruncated>\n"
      "  <ContinuationToken>1/bGFzdA==</ContinuationToken>\n"
      "  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n"
      "  <Contents>\n"
      "    <Key>runs/step_100/_METADATA</Key>\n"
      "    <LastModified>2024-03-01T12:00:00.000Z</LastModified>\n"
      "    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>\n"
      "    <ChecksumAlgorithm>CRC32</ChecksumAlgorithm>\n"
      "    <Size>1024</Size>\n"
      "    "
      "<Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>me</DisplayName></"
      "Owner>\n"
      "    <StorageClass>STANDARD</StorageClass>\n"
      "  </Contents>\n"
      "  <Contents>\n"
      "    <Key>runs/step_100/d/0.0</Key>\n"
      "    <LastModified>2024-03-01T12:00:01.000Z</LastModified>\n"
      "    <ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>\n"
      "    <Size>5368709120</Size>\n"
      "    <StorageClass>STANDARD</StorageClass>\n"
      "  </Contents>\n"
      "</ListBucketResult>";

} // namespace

class TestS3Xml : public QObject {
    Q_OBJECT
private slots:
    void listTruncatedPage()
    {
        const S3ListResult r = parseS3ListObjectsV2(kListPage, "s3://ckpt-bucket/runs/");
        QCOMPARE(r.objects.size(), size_t(2));
        QCOMPARE(qb(r.objects[0].key), QByteArray("runs/step_100/_METADATA"));
        QCOMPARE(r.objects[0].size, uint64_t(1024));
        QCOMPARE(qb(r.objects[0].etag), QByteArray("\"9b2cf535f27731c974343645a3985328\""));
        QCOMPARE(qb(r.objects[0].lastModified), QByteArray("2024-03-01T12:00:00.000Z"));
        QCOMPARE(qb(r.objects[1].key), QByteArray("runs/step_100/d/0.0"));
        QCOMPARE(r.objects[1].size, uint64_t(5368709120ull));
        QCOMPARE(qb(r.objects[1].etag), QByteArray("\"3858f62230ac3c915f300c664312c11f-9\""));
        QVERIFY(r.isTruncated);
        QCOMPARE(qb(r.nextContinuationToken), QByteArray("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="));
        QCOMPARE(r.keyCount.value_or(0), uint64_t(2));
        QVERIFY(r.commonPrefixes.empty());
    }

    void listCommonPrefixes()
    {
        const char *xml
            = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<ListBucketResult "
              "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>runs/</Prefix>\n"
              "<Delimiter>/</Delimiter><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>\n"
              "<Contents><Key>runs/README</Key><Size>0</Size><ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag></"
              "Contents>\n"
              "<CommonPrefixes><Prefix>runs/step_100/</Prefix></CommonPrefixes>\n"
              "<CommonPrefixes><Prefix>runs/step_200/</Prefix></CommonPrefixes>\n"
              "</ListBucketResult>";
        const S3ListResult r = parseS3ListObjectsV2(xml, "s3://b/runs/");
        QVERIFY(!r.isTruncated);
        QVERIFY(r.nextContinuationToken.empty());
        QCOMPARE(r.objects.size(), size_t(1));
        QCOMPARE(r.objects[0].size, uint64_t(0));
        QCOMPARE(qb(r.objects[0].etag), QByteArray("\"d41d8cd98f00b204e9800998ecf8427e\""));
        QVERIFY(r.objects[0].lastModified.empty());
        QCOMPARE(r.commonPrefixes.size(), size_t(2));
        QCOMPARE(qb(r.commonPrefixes[0]), QByteArray("runs/step_100/"));
        QCOMPARE(qb(r.commonPrefixes[1]), QByteArray("runs/step_200/"));
        QCOMPARE(r.keyCount.value_or(0), uint64_t(3));
    }

    void listEntitiesAndEmpty()
    {
        const char *xml = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                          "<Contents><Key>a&amp;b &lt;c&gt; &quot;q&apos; &#252;&#x1F600;<![CDATA[<raw>]]>.bin</Key>"
                          "<Size>7</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>";
        const S3ListResult r = parseS3ListObjectsV2(xml, "s3://b/");
        QCOMPARE(r.objects.size(), size_t(1));
        QCOMPARE(qb(r.objects[0].key), QByteArray("a&b <c> \"q' \xC3\xBC\xF0\x9F\x98\x80<raw>.bin"));

        const S3ListResult empty = parseS3ListObjectsV2(
            "<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>", "s3://b/");
        QVERIFY(empty.objects.empty());
        QCOMPARE(empty.keyCount.value_or(99), uint64_t(0));

        // A namespace prefix on the elements is accepted too.
        const S3ListResult prefixed = parseS3ListObjectsV2(
            "<s3:ListBucketResult xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Contents><s3:Key>k</s3:Key>"
            "<s3:Size>1</s3:Size></s3:Contents></s3:ListBucketResult>",
            "s3://b/");
        QCOMPARE(prefixed.objects.size(), size_t(1));
        QCOMPARE(qb(prefixed.objects[0].key), QByteArray("k"));
    }

    void listUrlEncoding()
    {
        const char *xml = "<ListBucketResult><Prefix>dir%2F</Prefix><Delimiter>%2F</Delimiter>"
                          "<Contents><Key>dir/a+b%2Bc%26%C3%BC.bin</Key><Size>5</Size></Contents>"
                          "<CommonPrefixes><Prefix>dir/sub+dir%2F</Prefix></CommonPrefixes>"
                          "<IsTruncated>false</IsTruncated><EncodingType>url</EncodingType></ListBucketResult>";
        const S3ListResult r = parseS3ListObjectsV2(xml, "s3://b/dir/");
        QCOMPARE(qb(r.objects.at(0).key), QByteArray("dir/a b+c&\xC3\xBC.bin"));
        QCOMPARE(qb(r.commonPrefixes.at(0)), QByteArray("dir/sub dir/"));

        // Without EncodingType the same text is taken literally.
        std::string plain(xml);
        plain.erase(plain.find("<EncodingType>"), std::string("<EncodingType>url</EncodingType>").size());
        QCOMPARE(
            qb(parseS3ListObjectsV2(plain, "s3://b/dir/").objects.at(0).key), QByteArray("dir/a+b%2Bc%26%C3%BC.bin"));

        const std::string bad = "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%G1</Key>"
                                "<Size>1</Size></Contents></ListBucketResult>";
        const Error e = expectError([&] { parseS3ListObjectsV2(bad, "s3://b/"); }, ErrorCategory::Corrupt);
        QCOMPARE(qb(e.file), QByteArray("s3://b/"));
    }

    void listSemanticErrors_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::addColumn<QByteArray>("needle");
        QTest::newRow("truncated without token")
            << QByteArray("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
            << QByteArray("NextContinuationToken");
        QTest::newRow("bad size") << QByteArray(
            "<ListBucketResult><Contents><Key>k</Key><Size>12x</Size></Contents></ListBucketResult>")
                                  << QByteArray("<Size>");
        QTest::newRow("negative size") << QByteArray(
            "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>")
                                       << QByteArray("<Size>");
        QTest::newRow("missing key") << QByteArray(
            "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>")
                                     << QByteArray("<Key>");
        QTest::newRow("missing size") << QByteArray(
            "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>")
                                      << QByteArray("<Size>");
        QTest::newRow("bad bool") << QByteArray("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>")
                                  << QByteArray("IsTruncated");
        QTest::newRow("wrong root") << QByteArray("<Error><Code>AccessDenied</Code></Error>") << QByteArray("<Error>");
        QTest::newRow("doctype") << QByteArray(
            "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
            "<ListBucketResult><Contents><Key>&b;</Key><Size>1</Size></Contents></ListBucketResult>")
                                 << QByteArray("DOCTYPE");
    }

    void listSemanticErrors()
    {
        QFETCH(QByteArray, xml);
        QFETCH(QByteArray, needle);
        const Error e
            = expectError([&] { parseS3ListObjectsV2(xml.toStdString(), "s3://b/p/"); }, ErrorCategory::Corrupt);
        QVERIFY2(e.message.find(needle.toStdString()) != std::string::npos, e.message.c_str());
        QCOMPARE(qb(e.file), QByteArray("s3://b/p/"));
    }

    void malformedXmlReportsPosition()
    {
        const std::string xml = "<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>";
        const Error e = expectError([&] { parseS3ListObjectsV2(xml, "s3://b/"); }, ErrorCategory::Corrupt);
        // expat places a mismatched end tag at its name, just after "</".
        QCOMPARE(e.byteOffset.value_or(0), uint64_t(xml.find("</Contents>") + 2));
        QVERIFY2(e.message.find("line 1") != std::string::npos, e.message.c_str());
        QCOMPARE(qb(e.file), QByteArray("s3://b/"));

        const std::string multi = "<ListBucketResult>\n<Contents>\n<Key>a & b</Key>\n</Contents>\n</ListBucketResult>";
        const Error m = expectError([&] { parseS3ListObjectsV2(multi, "s3://b/"); }, ErrorCategory::Corrupt);
        QVERIFY2(m.message.find("line 3") != std::string::npos, m.message.c_str());
        QCOMPARE(m.byteOffset.value_or(0), uint64_t(multi.find(" b</Key>")));

        expectError([&] { parseS3ListObjectsV2("", "s3://b/"); }, ErrorCategory::Corrupt);
        expectError([&] { parseS3ListObjectsV2("<html><body>502 Bad Gateway</body></html>", "s3://b/"); },
            ErrorCategory::Corrupt);
        expectError(
            [&] { parseS3ListObjectsV2(std::string("<ListBucketResult>\0</ListBucketResult>", 38), "s3://b/"); },
            ErrorCategory::Corrupt);
    }

    void everyTruncationFails()
    {
        const std::string xml = kListPage;
        QVERIFY(parseS3ListObjectsV2(xml, "s3://b/").objects.size() == 2);
        for (size_t n = 0; n < xml.size(); ++n) {
            const ErrorCategory c = categoryOf([&] { parseS3ListObjectsV2(xml.substr(0, n), "s3://b/"); });
            if (c != ErrorCategory::Corrupt)
                QFAIL(qPrintable(QStringLiteral("prefix of %1 bytes did not fail as corrupt").arg(n)));
        }
    }

    void errorBodies()
    {
        const char *denied
            = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match "
              "the signature you provided. Check your key and signing "
              "method.</Message><AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n"
              "20130524T000000Z\n"
              "20130524/us-east-1/s3/aws4_request\n"
              "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972</"
              "StringToSign><SignatureProvided>f0e8bd</SignatureProvided><StringToSignBytes>41 57 "
              "53</StringToSignBytes><CanonicalRequest>GET\n"
              "/test.txt</CanonicalRequest><CanonicalRequestBytes>47 45 "
              "54</CanonicalRequestBytes><RequestId>4442587FB7D0A2F9</"
              "RequestId><HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>";
        const std::optional<S3ErrorInfo> e = parseS3Error(denied);
        QVERIFY(e);
        QCOMPARE(qb(e->code), QByteArray("SignatureDoesNotMatch"));
        QCOMPARE(qb(e->message),
            QByteArray("The request signature we calculated does not match the signature you provided. Check your "
                       "key and signing method."));
        QCOMPARE(qb(e->requestId), QByteArray("4442587FB7D0A2F9"));
        for (const std::string *field : {&e->code, &e->message, &e->requestId}) {
            QVERIFY(field->find("AKIA") == std::string::npos);
            QVERIFY(field->find("AWS4-HMAC") == std::string::npos);
        }

        const auto noSuchKey = parseS3Error(
            "<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist &amp; never did</Message>"
            "<Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>");
        QVERIFY(noSuchKey);
        QCOMPARE(qb(noSuchKey->code), QByteArray("NoSuchKey"));
        QCOMPARE(qb(noSuchKey->message), QByteArray("The resource you requested does not exist & never did"));

        QVERIFY(!parseS3Error(""));
        QVERIFY(!parseS3Error("<html><body><h1>503 Service Unavailable</h1></body></html>"));
        QVERIFY(!parseS3Error("Bad Gateway"));
        QVERIFY(!parseS3Error("<Error><Code>Truncated</Code>"));
        QVERIFY(!parseS3Error("<Error><Message>no code</Message></Error>"));
        QVERIFY(!parseS3Error("<ListBucketResult><Code>X</Code></ListBucketResult>"));
        QVERIFY(!parseS3Error("<!DOCTYPE Error [<!ENTITY x \"y\">]><Error><Code>&x;</Code></Error>"));
    }

    void initiateMultipartUpload()
    {
        const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
                          "  <Bucket>example-bucket</Bucket>\n"
                          "  <Key>example-object</Key>\n"
                          "  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>\n"
                          "</InitiateMultipartUploadResult>";
        QCOMPARE(qb(parseS3InitiateMultipartUpload(xml, "s3://example-bucket/example-object")),
            QByteArray("VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"));
        const Error missing = expectError(
            [&] {
                parseS3InitiateMultipartUpload(
                    "<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>", "s3://b/k");
            },
            ErrorCategory::Corrupt);
        QVERIFY(missing.message.find("UploadId") != std::string::npos);
        expectError([&] { parseS3InitiateMultipartUpload("<Error><Code>AccessDenied</Code></Error>", "s3://b/k"); },
            ErrorCategory::Corrupt);
        expectError([&] { parseS3InitiateMultipartUpload("<InitiateMultipartUploadResult>", "s3://b/k"); },
            ErrorCategory::Corrupt);
    }

    void completeMultipartUploadBody()
    {
        const std::string body = buildS3CompleteMultipartUpload(
            {{1, "\"a54357aff0632cce46d942af68356b38\""}, {2, "\"0c78aef83f66abc1fa1e8477f296d394\""}, {5, "odd&<>"}});
        QCOMPARE(qb(body),
            QByteArray("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                       "<Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part>"
                       "<Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag></Part>"
                       "<Part><PartNumber>5</PartNumber><ETag>odd&amp;&lt;&gt;</ETag></Part>"
                       "</CompleteMultipartUpload>"));

        expectError([] { buildS3CompleteMultipartUpload({}); }, ErrorCategory::InvalidArgument);
        expectError([] { buildS3CompleteMultipartUpload({{0, "\"e\""}}); }, ErrorCategory::InvalidArgument);
        expectError([] { buildS3CompleteMultipartUpload({{10001, "\"e\""}}); }, ErrorCategory::InvalidArgument);
        expectError(
            [] {
                buildS3CompleteMultipartUpload({{2, "\"e\""}, {1, "\"e\""}});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [] {
                buildS3CompleteMultipartUpload({{1, "\"e\""}, {1, "\"e\""}});
            },
            ErrorCategory::InvalidArgument);
        expectError([] { buildS3CompleteMultipartUpload({{1, ""}}); }, ErrorCategory::InvalidArgument);
        expectError([] { buildS3CompleteMultipartUpload({{1, "a\nb"}}); }, ErrorCategory::InvalidArgument);
    }
};

QTEST_APPLESS_MAIN(TestS3Xml)
#include "tst_s3_xml.moc"
