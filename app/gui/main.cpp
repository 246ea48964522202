#include "command_line.h"
#include "main_window.h"

#include "layout/checkpoint.h"

#include <QApplication>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include <cstdio>

namespace {

/// Opens, selects, waits for every worker, renders the window to `cl.screenshot`; returns the exit code.
int takeScreenshot(MainWindow &w, const CommandLine &cl)
{
    constexpr int kTimeoutMs = 120000;
    w.show();
    if (!w.waitUntilIdle(kTimeoutMs))
        return 2;
    if (!cl.select.isEmpty() && !w.selectKeyPath(cl.select))
        std::fprintf(stderr, "checkpoint-studio: no node at %s\n", qPrintable(cl.select));
    if (!w.waitUntilIdle(kTimeoutMs))
        return 2;
    if (!w.saveScreenshot(cl.screenshot)) {
        std::fprintf(stderr, "checkpoint-studio: cannot write %s\n", qPrintable(cl.screenshot));
        return 2;
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("checkpoint-studio"));
    QApplication::setApplicationName(QStringLiteral("checkpoint-studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("Checkpoint Studio"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    const CommandLine cl = CommandLine::parse(QApplication::arguments());
    if (!cl.error.isEmpty()) {
        std::fprintf(stderr, "checkpoint-studio: %s\n", qPrintable(cl.error));
        return 2;
    }

    MainWindow w;
    if (cl.screenshot.isEmpty())
        w.restoreLayout(); // screenshots keep the default layout so that they are reproducible
    if (!cl.path.isEmpty())
        w.openPath(ckpt::isRemoteLocation(cl.path.toStdString()) ? cl.path : QFileInfo(cl.path).absoluteFilePath(),
            cl.openOptions());
    else if (cl.demo)
        w.openDemo(cl.openOptions());
    else if (cl.screenshot.isEmpty())
        w.reopenLast(); // with no recent files the start page stays

    if (!cl.screenshot.isEmpty())
        return takeScreenshot(w, cl);
    if (!cl.select.isEmpty()) {
        QObject::connect(
            w.document(), &DocumentController::opened, &w, [&w, key = cl.select] { w.selectKeyPath(key); },
            Qt::SingleShotConnection);
    }
    w.show();
    return app.exec();
}
