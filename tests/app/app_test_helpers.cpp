#include "app_test_helpers.h"

#include <QFileInfo>

#include <cstring>

TestSettings::TestSettings()
    : settings(std::make_unique<QSettings>(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat))
{ }

QString corpusFile(const QString &relative)
{
    const QString path = QStringLiteral(CKPT_CORPUS_DIR "/") + relative;
    return QFileInfo::exists(path) ? path : QString();
}

ckpt::Checkpoint syntheticCheckpoint(const std::string &path)
{
    auto floats = [](std::vector<uint64_t> shape, std::vector<float> v) {
        std::vector<std::byte> b(v.size() * 4);
        std::memcpy(b.data(), v.data(), b.size());
        return ckpt::Node::makeArray(std::make_shared<ckpt::MemoryArraySource>(
            ckpt::ArrayInfo{ckpt::DType::Float32, std::move(shape), {}}, std::move(b)));
    };
    auto key = [](const char *k) { return ckpt::Key::name(k); };
    auto dense = ckpt::Node::makeDict(
        {{key("bias"), floats({3}, {0.5f, -1.f, 2.f})}, {key("kernel"), floats({2, 3}, {1, 2, 3, 4, 5, 6})}});
    ckpt::Checkpoint c;
    c.path = path;
    c.format = "synthetic";
    c.era = "In-memory test tree";
    c.warnings = {"step 7 was incomplete and skipped"};
    c.metadata = {{"custom", {{"lr", 0.1}}}, {"commit_timestamp_nsecs", 1700000000123456789},
        {"empty", nlohmann::json::object()}};
    c.root = ckpt::Node::makeDict({{key("params"), ckpt::Node::makeDict({{key("Dense_0"), dense}})},
        {key("step"), ckpt::Node::makeScalar(ckpt::Scalar::fromInt(4))}, {key("name"), ckpt::Node::makeString("run")},
        {key("blob"), ckpt::Node::makeBytes(std::string("\x00\x01", 2))}, {key("nothing"), ckpt::Node::makeNone()}});
    return c;
}
