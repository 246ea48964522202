#include "edit_dialogs.h"

#include "tree/array_info.h"
#include "tree/dtype.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QRegularExpression>

namespace edit_dialogs {
namespace {

std::string str(const QString &s)
{
    return s.trimmed().toStdString();
}

QString parentOf(const QString &path)
{
    return path.contains(QLatin1Char('/')) ? path.section(QLatin1Char('/'), 0, -2) : QString();
}

QString join(const QString &parent, const QString &key)
{
    return parent.isEmpty() ? key : parent + QLatin1Char('/') + key;
}

/// The container new nodes go into: `path` itself when it is a container, else its parent.
QString containerOf(const ckpt::NodePtr &node, const QString &path)
{
    return node && node->isContainer() ? path : parentOf(path);
}

QComboBox *dtypeCombo(QWidget *parent, const QString &current)
{
    auto *box = new QComboBox(parent);
    for (int i = 0; i < ckpt::kDTypeCount; ++i)
        box->addItem(QString::fromUtf8(ckpt::dtypeName(static_cast<ckpt::DType>(i)).data()));
    box->setCurrentText(current);
    return box;
}

/// A form dialog; returns true when accepted.
bool runForm(QDialog &dialog, QFormLayout *form)
{
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    return dialog.exec() == QDialog::Accepted;
}

} // namespace

nlohmann::json parseValue(const QString &text, bool asString)
{
    const std::string s = text.toStdString();
    if (asString)
        return s;
    nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
    if (j.is_discarded() || !(j.is_number() || j.is_boolean() || j.is_null()))
        return s;
    return j;
}

std::optional<std::vector<uint64_t>> parseShape(const QString &text)
{
    QString t = text.trimmed();
    t.remove(QLatin1Char('(')).remove(QLatin1Char(')')).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    std::vector<uint64_t> shape;
    for (const QString &part : t.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qulonglong v = part.toULongLong(&ok);
        if (!ok)
            return std::nullopt;
        shape.push_back(v);
    }
    return shape;
}

std::optional<ckpt::edit::Operation> askMove(QWidget *parent, const QString &path)
{
    bool ok = false;
    const QString to = QInputDialog::getText(parent, QObject::tr("Move to"),
        QObject::tr("New path of %1 (a/b/c; missing parents are created):").arg(path), QLineEdit::Normal, path, &ok);
    if (!ok || to.trimmed().isEmpty() || to.trimmed() == path)
        return std::nullopt;
    return ckpt::edit::Rename{str(path), str(to)};
}

std::optional<ckpt::edit::Operation> askCast(QWidget *parent, const ckpt::NodePtr &node, const QString &path)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Cast to"));
    auto *form = new QFormLayout(&dialog);
    const bool array = node && node->kind() == ckpt::NodeKind::Array;
    const QString current
        = array ? QString::fromUtf8(ckpt::dtypeName(node->arrayInfo().dtype).data()) : QStringLiteral("bfloat16");
    auto *dtype = dtypeCombo(&dialog, current);
    form->addRow(array ? QObject::tr("New dtype of %1:").arg(path)
                       : QObject::tr("New dtype of the floating arrays below %1:")
                             .arg(path.isEmpty() ? QObject::tr("the root") : path),
        dtype);
    if (!runForm(dialog, form))
        return std::nullopt;
    return ckpt::edit::Cast{str(path), str(dtype->currentText())};
}

std::optional<ckpt::edit::Operation> askAddLeaf(QWidget *parent, const ckpt::NodePtr &node, const QString &path)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Add leaf"));
    auto *form = new QFormLayout(&dialog);
    auto *where = new QLineEdit(join(containerOf(node, path), QStringLiteral("new_leaf")), &dialog);
    form->addRow(QObject::tr("Path:"), where);
    auto *fill = new QComboBox(&dialog);
    fill->addItems({QObject::tr("zeros"), QObject::tr("ones"), QObject::tr("constant")});
    form->addRow(QObject::tr("Fill:"), fill);
    auto *value = new QLineEdit(QStringLiteral("0"), &dialog);
    form->addRow(QObject::tr("Constant (number, true/false, nan, inf):"), value);
    auto *dtype = dtypeCombo(&dialog, QStringLiteral("float32"));
    form->addRow(QObject::tr("DType:"), dtype);
    auto *shape = new QLineEdit(&dialog);
    shape->setPlaceholderText(QObject::tr("e.g. 2, 3 (empty: a scalar array)"));
    form->addRow(QObject::tr("Shape:"), shape);
    auto *like = new QLineEdit(node && node->kind() == ckpt::NodeKind::Array ? path : QString(), &dialog);
    like->setPlaceholderText(QObject::tr("path of an array whose dtype and shape to copy"));
    form->addRow(QObject::tr("Like:"), like);
    if (!runForm(dialog, form))
        return std::nullopt;
    ckpt::edit::AddLeaf op;
    op.path = str(where->text());
    op.fill = static_cast<ckpt::edit::AddLeaf::Fill>(fill->currentIndex());
    if (op.fill == ckpt::edit::AddLeaf::Fill::Constant)
        op.value = parseValue(value->text().trimmed(), false);
    op.like = str(like->text());
    if (op.like.empty()) {
        op.dtype = str(dtype->currentText());
        const auto parsed = parseShape(shape->text());
        if (!parsed) {
            QMessageBox::warning(parent, QObject::tr("Add leaf"), QObject::tr("The shape is not a list of sizes."));
            return std::nullopt;
        }
        op.shape = *parsed;
    }
    return op;
}

std::optional<ckpt::edit::Operation> askSetValue(QWidget *parent, const ckpt::NodePtr &node, const QString &path)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Set value"));
    auto *form = new QFormLayout(&dialog);
    QString current;
    if (node && node->kind() == ckpt::NodeKind::Scalar)
        current = QString::fromStdString(node->scalar().repr());
    else if (node && node->kind() == ckpt::NodeKind::String)
        current = QString::fromStdString(node->text());
    auto *value = new QLineEdit(current, &dialog);
    form->addRow(QObject::tr("New value of %1:").arg(path), value);
    auto *asString = new QCheckBox(QObject::tr("Store as a string"), &dialog);
    asString->setChecked(node && node->kind() == ckpt::NodeKind::String);
    form->addRow(asString);
    if (!runForm(dialog, form))
        return std::nullopt;
    return ckpt::edit::SetValue{str(path), parseValue(value->text(), asString->isChecked())};
}

std::optional<ckpt::edit::Operation> askGraft(QWidget *parent, const ckpt::NodePtr &node, const QString &path)
{
    const auto choice = QMessageBox::question(parent, QObject::tr("Graft from"),
        QObject::tr("Graft from a checkpoint folder (Yes) or a file (No)?"),
        QMessageBox::Yes | QMessageBox::No | QMessageBox::Cancel);
    if (choice == QMessageBox::Cancel)
        return std::nullopt;
    const QString source = choice == QMessageBox::Yes
        ? QFileDialog::getExistingDirectory(parent, QObject::tr("Graft from checkpoint folder"))
        : QFileDialog::getOpenFileName(parent, QObject::tr("Graft from checkpoint file"));
    if (source.isEmpty())
        return std::nullopt;
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Graft from %1").arg(source));
    auto *form = new QFormLayout(&dialog);
    auto *from = new QLineEdit(&dialog);
    from->setPlaceholderText(QObject::tr("subtree in the source, a/b/c (empty: all of it)"));
    form->addRow(QObject::tr("Source path:"), from);
    auto *step = new QLineEdit(&dialog);
    step->setPlaceholderText(QObject::tr("step of a run (empty: latest)"));
    form->addRow(QObject::tr("Step:"), step);
    auto *to = new QLineEdit(join(containerOf(node, path), QStringLiteral("grafted")), &dialog);
    form->addRow(QObject::tr("Place at:"), to);
    auto *replace = new QCheckBox(QObject::tr("Replace what is there"), &dialog);
    form->addRow(replace);
    if (!runForm(dialog, form))
        return std::nullopt;
    ckpt::edit::Graft op;
    op.to = str(to->text());
    op.source.path = source.toStdString();
    if (!step->text().trimmed().isEmpty())
        op.source.step = str(step->text());
    op.from = str(from->text());
    op.replace = replace->isChecked();
    return op;
}

} // namespace edit_dialogs
