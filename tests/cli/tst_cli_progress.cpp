// The progress line of long commands: drawn on stderr when it is a terminal (a pseudo-terminal
// here), never into a pipe, and not with --quiet.
#include "cli_test_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace clitest;

namespace {

/// Runs ckpt with stdout and stderr on a new pseudo-terminal; returns (exit code, all output).
std::pair<int, QByteArray> runOnTerminal(const QStringList &args)
{
    std::vector<std::string> argv = {CKPT_CLI};
    for (const QString &a : args)
        argv.push_back(a.toStdString());
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        std::vector<char *> cargv;
        for (auto &s : argv)
            cargv.push_back(s.data());
        cargv.push_back(nullptr);
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    QByteArray out;
    char buf[4096];
    while (true) {
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0)
            break; // EIO once the child closed the terminal
        out.append(buf, int(n));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace

class TestCliProgress : public QObject {
    Q_OBJECT
private slots:
    void onTerminalOnly()
    {
        QTemporaryDir tmp;
        const QString src = tmp.filePath(QStringLiteral("src.msgpack"));
        ckpt::flaxmsgpack::writeFile(dict({{"w", f32({512, 512}, 0)}, {"b", f32({512}, 1)}}), src.toStdString());
        const QString erase = QStringLiteral("\r\033[K");

        const auto [code, out] = runOnTerminal({QStringLiteral("convert"), src, tmp.filePath(QStringLiteral("a")),
            QStringLiteral("--to"), QStringLiteral("orbax")});
        QCOMPARE(code, 0);
        const QString text = QString::fromUtf8(out);
        QVERIFY2(text.contains(erase + QStringLiteral("convert")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("%")) && text.contains(QStringLiteral("MiB")), qPrintable(text));
        QVERIFY2(text.endsWith(erase), qPrintable(text)); // erased when done
        // One line that only moves forward: nested reads' own totals never show.
        const QRegularExpression pct(QStringLiteral("convert +(\\d+)%  [^/]+ / ([^ \r]+ [KMG]?i?B)"));
        int last = -1;
        QString totalText;
        for (auto it = pct.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            QVERIFY2(m.captured(1).toInt() >= last, qPrintable(text));
            last = m.captured(1).toInt();
            QVERIFY2(totalText.isEmpty() || totalText == m.captured(2), qPrintable(text));
            totalText = m.captured(2);
        }
        QVERIFY2(last >= 0, qPrintable(text));

        const auto [quietCode, quiet]
            = runOnTerminal({QStringLiteral("convert"), src, tmp.filePath(QStringLiteral("b")), QStringLiteral("--to"),
                QStringLiteral("orbax"), QStringLiteral("--quiet")});
        QCOMPARE(quietCode, 0);
        QVERIFY2(quiet.isEmpty(), quiet.constData());

        const Run piped = runCkpt({QStringLiteral("convert"), src, tmp.filePath(QStringLiteral("c")),
            QStringLiteral("--to"), QStringLiteral("orbax")});
        QCOMPARE(piped.code, 0);
        QVERIFY2(piped.err.isEmpty() && piped.out.isEmpty(), piped.err.constData());

        const auto [diffCode, diff] = runOnTerminal(
            {QStringLiteral("diff"), src, tmp.filePath(QStringLiteral("a")), QStringLiteral("--only-differences")});
        QCOMPARE(diffCode, 0);
        QVERIFY2(QString::fromUtf8(diff).contains(erase + QStringLiteral("diff")), diff.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliProgress)
#include "tst_cli_progress.moc"
