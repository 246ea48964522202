#pragma once

#include "document_controller.h"

#include "tree/node.h"

#include <QTextBrowser>

/// Facts about the open checkpoint (format, era, step, item, path, metadata, warnings) and the
/// selected node (path, kind, dtype, shape, size, storage location, annotations), as rich text.
class DetailsPanel : public QTextBrowser {
    Q_OBJECT
public:
    explicit DetailsPanel(QWidget *parent = nullptr);

    void setCheckpoint(const CheckpointPtr &checkpoint);
    void setSelection(const ckpt::NodePtr &node, const ckpt::Path &path);
    /// Descriptions of the edits that made the shown tree (empty: it is the checkpoint as opened).
    void setEdits(const QStringList &descriptions);

private:
    void render();

    CheckpointPtr m_checkpoint;
    ckpt::NodePtr m_node;
    ckpt::Path m_path;
    QStringList m_edits;
};
