#pragma once

#include <QAbstractItemModel>
#include <QStringList>

/// One line per row, depth-first over what the model has materialised (nothing is fetched):
/// two spaces of indent per level, then the DisplayRole text of every column joined by " | ".
QStringList printModel(const QAbstractItemModel *model, const QModelIndex &parent = {}, int depth = 0);

/// Table models: one line per row, cells joined by " | " (DisplayRole).
QStringList printTable(const QAbstractItemModel *model);
