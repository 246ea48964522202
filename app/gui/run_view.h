#pragma once

#include <QWidget>

/// The run view: a table of leaves by steps and a plot of update norms over steps.
class RunView : public QWidget {
    Q_OBJECT

public:
    explicit RunView(QWidget *parent = nullptr);
};
