#include "run_view.h"

RunView::RunView(QWidget *parent)
    : QWidget(parent)
{ }
