// Values and helpers shared by the S3 test files (tst_s3_*.cpp).
#pragma once

#include "io/storage/aws_credentials.h"

#include <QByteArray>

#include <chrono>
#include <string>

namespace s3test {

// Secrets of the AWS documentation examples (not real keys).
inline const std::string kIamSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline const std::string kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

inline QByteArray qb(const std::string &s)
{
    return QByteArray::fromStdString(s);
}

inline std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0)
{
    using namespace std::chrono;
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

/// The key pair of the S3 SigV4 examples (AKIAIOSFODNN7EXAMPLE).
inline ckpt::AwsCredentials s3ExampleCredentials()
{
    ckpt::AwsCredentials c;
    c.accessKeyId = "AKIAIOSFODNN7EXAMPLE";
    c.secretAccessKey = kS3Secret;
    c.source = "test";
    return c;
}

} // namespace s3test
