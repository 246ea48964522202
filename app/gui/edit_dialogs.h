#pragma once

#include "ops/edit/edit.h"
#include "tree/node.h"

#include <QString>

#include <optional>

class QWidget;

/// Small modal dialogs that turn a user's answer into one edit operation for the node at `path`
/// of `root` (the tree as shown). Each returns nullopt when cancelled. UI-thread only.
namespace edit_dialogs {

std::optional<ckpt::edit::Operation> askMove(QWidget *parent, const QString &path);
std::optional<ckpt::edit::Operation> askCast(QWidget *parent, const ckpt::NodePtr &node, const QString &path);
/// Adds a leaf inside `path` when it is a container, beside it otherwise.
std::optional<ckpt::edit::Operation> askAddLeaf(QWidget *parent, const ckpt::NodePtr &node, const QString &path);
std::optional<ckpt::edit::Operation> askSetValue(QWidget *parent, const ckpt::NodePtr &node, const QString &path);
/// Picks a checkpoint file or folder (and a subtree of it) to graft at `path`'s container.
std::optional<ckpt::edit::Operation> askGraft(QWidget *parent, const ckpt::NodePtr &node, const QString &path);

/// The value typed for SetValue: JSON numbers, booleans and null as such; anything else (or any
/// text when `asString`) as a string.
nlohmann::json parseValue(const QString &text, bool asString);
/// "2, 3" or "(2,3)" -> {2, 3}; nullopt when a part is not a non-negative integer.
std::optional<std::vector<uint64_t>> parseShape(const QString &text);

} // namespace edit_dialogs
