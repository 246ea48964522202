#include "cli_test_helpers.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>

namespace clitest {

Run runCkpt(const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(QStringLiteral(CKPT_CLI), args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError()};
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
