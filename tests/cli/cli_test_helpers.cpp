#include "cli_test_helpers.h"

#include "tree/array_source.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>

#include <cstring>

namespace clitest {

Run runCkpt(const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(QStringLiteral(CKPT_CLI), args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError()};
}

ckpt::NodePtr f32(std::vector<uint64_t> shape, float base)
{
    uint64_t n = 1;
    for (uint64_t d : shape)
        n *= d;
    std::vector<std::byte> raw(n * 4);
    for (uint64_t i = 0; i < n; ++i) {
        const float v = base + float(i);
        std::memcpy(raw.data() + i * 4, &v, 4);
    }
    return ckpt::Node::makeArray(
        std::make_shared<ckpt::MemoryArraySource>(ckpt::ArrayInfo{ckpt::DType::Float32, std::move(shape), {}}, raw));
}

ckpt::NodePtr dict(std::vector<std::pair<std::string, ckpt::NodePtr>> kv)
{
    std::vector<ckpt::Child> c;
    for (auto &[k, v] : kv)
        c.push_back({ckpt::Key::name(k), v});
    return ckpt::Node::makeDict(std::move(c));
}

QJsonObject json(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

} // namespace clitest
