// The repair actions of the pytree view: what its drags, drops, F2 and Delete ask for, and its
// context menu entries, each pushed as one edit.
#include "tree_edit_actions.h"

#include "edit_controller.h"
#include "edit_dialogs.h"
#include "node_mime.h"
#include "pytree_browser.h"
#include "pytree_model.h"

#include <QAction>
#include <QTreeView>

void installTreeEditActions(PytreeBrowser *browser, EditController *edits, QWidget *dialogParent)
{
    QObject::connect(browser, &PytreeBrowser::renameRequested, edits, [edits](const QString &from, const QString &to) {
        edits->push(ckpt::edit::Rename{from.toStdString(), to.toStdString()});
    });
    QObject::connect(browser, &PytreeBrowser::moveRequested, edits, [edits](const QString &from, const QString &to) {
        edits->push(ckpt::edit::Rename{from.toStdString(), to.toStdString()});
    });
    QObject::connect(browser, &PytreeBrowser::deleteRequested, edits,
        [edits](const QString &path) { edits->push(ckpt::edit::Delete{path.toStdString()}); });
    QObject::connect(browser, &PytreeBrowser::graftRequested, edits, [edits](const NodeDrag &drag, const QString &to) {
        ckpt::edit::Graft op;
        op.to = to.toStdString();
        op.source.path = drag.path.toStdString();
        if (!drag.step.isEmpty())
            op.source.step = drag.step.toStdString();
        if (!drag.item.isEmpty())
            op.source.item = drag.item.toStdString();
        op.from = drag.keyPath.toStdString();
        edits->push(op);
    });

    // Tree context menu (the tree shows its actions as its context menu). The keys F2 and Delete
    // are handled by the browser itself; the shortcuts here only label the menu entries.
    QTreeView *tree = browser->treeView();
    auto addTreeAction = [browser, edits, tree](const QString &text, const QKeySequence &key, auto ask) {
        auto *a = new QAction(text, tree);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetShortcut);
        QObject::connect(a, &QAction::triggered, edits, [browser, edits, ask] {
            const QModelIndex ix = browser->treeView()->currentIndex();
            if (!ix.isValid() || !edits->currentTree())
                return;
            const QString path = ix.data(PytreeModel::PathRole).toString();
            const ckpt::NodePtr node = ix.data(PytreeModel::NodeRole).value<ckpt::NodePtr>();
            if (auto op = ask(path, node))
                edits->push(*op);
        });
        tree->addAction(a);
        return a;
    };
    auto *separator = new QAction(tree);
    separator->setSeparator(true);
    tree->addAction(separator);
    auto *rename = new QAction(QObject::tr("Rename"), tree);
    rename->setShortcut(QKeySequence(Qt::Key_F2));
    rename->setShortcutContext(Qt::WidgetShortcut);
    QObject::connect(rename, &QAction::triggered, browser, [browser] { browser->editCurrentName(); });
    tree->addAction(rename);
    addTreeAction(QObject::tr("Delete"), QKeySequence(QKeySequence::Delete),
        [](const QString &path, const ckpt::NodePtr &) -> std::optional<ckpt::edit::Operation> {
            return ckpt::edit::Delete{path.toStdString()};
        });
    addTreeAction(QObject::tr("Move to…"), {}, [dialogParent](const QString &path, const ckpt::NodePtr &) {
        return edit_dialogs::askMove(dialogParent, path);
    });
    addTreeAction(QObject::tr("Cast to…"), {}, [dialogParent](const QString &path, const ckpt::NodePtr &node) {
        return edit_dialogs::askCast(dialogParent, node, path);
    });
    addTreeAction(QObject::tr("Add leaf…"), {}, [dialogParent](const QString &path, const ckpt::NodePtr &node) {
        return edit_dialogs::askAddLeaf(dialogParent, node, path);
    });
    addTreeAction(QObject::tr("Set value…"), {}, [dialogParent](const QString &path, const ckpt::NodePtr &node) {
        return edit_dialogs::askSetValue(dialogParent, node, path);
    });
    addTreeAction(QObject::tr("Graft from…"), {}, [dialogParent](const QString &path, const ckpt::NodePtr &node) {
        return edit_dialogs::askGraft(dialogParent, node, path);
    });
}
