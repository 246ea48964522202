#include "command_line.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

CommandLine CommandLine::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Inspector for JAX checkpoints"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("path"),
        QCoreApplication::translate("main", "Checkpoint file or folder to open"), QStringLiteral("[PATH]"));
    const QCommandLineOption step(QStringLiteral("step"),
        QCoreApplication::translate("main", "Open step N of a run instead of the latest complete step"),
        QStringLiteral("N"));
    const QCommandLineOption item(QStringLiteral("item"),
        QCoreApplication::translate("main", "Open only the item NAME of a composite step"), QStringLiteral("NAME"));
    const QCommandLineOption select(QStringLiteral("select"),
        QCoreApplication::translate("main", "Select the node at KEYPATH (a/b/c)"), QStringLiteral("KEYPATH"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QCoreApplication::translate("main", "Render the main window to OUT.png once loaded, then exit"),
        QStringLiteral("OUT.png"));
    const QCommandLineOption demo(
        QStringLiteral("demo"), QCoreApplication::translate("main", "Open the bundled demo checkpoint"));
    parser.addOptions({step, item, select, screenshot, demo});
    CommandLine cl;
    if (!parser.parse(arguments)) {
        cl.error = parser.errorText();
        return cl;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    const QStringList pos = parser.positionalArguments();
    if (pos.size() > 1)
        cl.error = QCoreApplication::translate("main", "expected at most one PATH, got %1").arg(pos.size());
    if (!pos.isEmpty())
        cl.path = pos.first();
    cl.step = parser.value(step);
    cl.item = parser.value(item);
    if (parser.isSet(step) && cl.step.isEmpty())
        cl.error = QCoreApplication::translate("main", "--step needs a step number");
    if (parser.isSet(item) && cl.item.isEmpty())
        cl.error = QCoreApplication::translate("main", "--item needs an item name");
    if ((!cl.step.isEmpty() || !cl.item.isEmpty()) && pos.isEmpty() && !parser.isSet(demo))
        cl.error = QCoreApplication::translate("main", "--step and --item need a PATH (or --demo)");
    cl.select = parser.value(select);
    cl.screenshot = parser.value(screenshot);
    cl.demo = parser.isSet(demo);
    return cl;
}

ckpt::OpenOptions CommandLine::openOptions() const
{
    ckpt::OpenOptions options;
    if (!step.isEmpty())
        options.step = step.toStdString();
    if (!item.isEmpty())
        options.item = item.toStdString();
    return options;
}

QString demoCheckpointPath()
{
    const QStringList dirs = {QStringLiteral(CKPT_DEMO_DIR), QStringLiteral(CKPT_INSTALLED_DEMO_DIR),
        QCoreApplication::applicationDirPath() + QStringLiteral("/../share/checkpoint-studio/demo")};
    // The Orbax run (several steps) shows more of the tool; the single Flax file is the fallback.
    for (const QString &dir : dirs) {
        const QString run = QDir(dir).filePath(QStringLiteral("run"));
        if (QFileInfo(run).isDir())
            return QDir::cleanPath(run);
        const QString file = QDir(dir).filePath(QStringLiteral("flax_state.msgpack"));
        if (QFileInfo(file).isFile())
            return QDir::cleanPath(file);
    }
    return {};
}
