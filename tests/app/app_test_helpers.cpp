#include "app_test_helpers.h"

#include "document_controller.h"
#include "main_window.h"
#include "ops/digest.h"
#include "tree/array_source.h"
#include "tree/key.h"

#include <QDir>
#include <QFileInfo>
#include <QTest>
#include <QWidget>

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
    const auto floats = floatArray;
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

QString demoRun()
{
    const QString run = QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/run");
    return QFileInfo(run).isDir() ? run : QString();
}

DemoRunWindow::DemoRunWindow() = default;
DemoRunWindow::~DemoRunWindow() = default;

std::unique_ptr<DemoRunWindow> openDemoRunWindow(int timeoutMs)
{
    const QString run = demoRun();
    if (run.isEmpty())
        return nullptr;
    auto demo = std::make_unique<DemoRunWindow>();
    demo->run = run;
    demo->window = std::make_unique<MainWindow>(demo->settings.settings.get());
    demo->opened = openAndWait(*demo->window, run, timeoutMs);
    return demo;
}

ckpt::NodePtr floatArray(std::vector<uint64_t> shape, const std::vector<float> &values)
{
    std::vector<std::byte> b(values.size() * 4);
    std::memcpy(b.data(), values.data(), b.size());
    return ckpt::Node::makeArray(std::make_shared<ckpt::MemoryArraySource>(
        ckpt::ArrayInfo{ckpt::DType::Float32, std::move(shape), {}}, std::move(b)));
}

std::map<std::string, std::string> leafDigests(const ckpt::NodePtr &root)
{
    std::map<std::string, std::string> out;
    ckpt::forEachLeaf(root, [&out](const ckpt::Path &path, const ckpt::NodePtr &node) {
        out[ckpt::joinPath(path)]
            = node->kind() == ckpt::NodeKind::Array ? ckpt::arrayDigest(*node->array()) : std::string(node->kindName());
    });
    return out;
}

bool openAndWait(MainWindow &w, const QString &path, int timeoutMs)
{
    w.openPath(path);
    return w.waitUntilIdle(timeoutMs) && w.document()->current();
}

bool saveScreenshot(QWidget *widget, const QString &name, QSize size)
{
    const QString dir = QStringLiteral(CKPT_BINARY_DIR "/screenshots");
    if (!QDir().mkpath(dir))
        return false;
    if (size.isValid())
        widget->resize(size);
    QTest::qWait(50);
    return widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}
