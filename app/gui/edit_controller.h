#pragma once

#include <QObject>

/// The repair session of the open checkpoint: the undo stack of edit operations.
class EditController : public QObject {
    Q_OBJECT

public:
    explicit EditController(QObject *parent = nullptr);
};
