#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

/// MIME type of a pytree node dragged out of a PytreeModel (another window or process may drop
/// it). The payload is a UTF-8 JSON object {"path", "step", "item", "keyPath", "origin"}: the
/// checkpoint file/folder, its step and item (empty when none), the node's `a/b/c` path inside
/// it, and an id of the model that started the drag. Never change the name or the members:
/// other running instances decode them.
inline constexpr char kNodeMimeType[] = "application/x-checkpoint-studio-node";

struct NodeDrag {
    QString path;
    QString step;
    QString item;
    QString keyPath;
    QString origin; ///< process id and model address; equal origins mean a move inside one tree
    bool operator==(const NodeDrag &) const = default;
};

QByteArray encodeNodeDrag(const NodeDrag &drag);
/// Null when `bytes` is not a JSON object with a non-empty string "path".
std::optional<NodeDrag> decodeNodeDrag(const QByteArray &bytes);
